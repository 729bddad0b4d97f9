"""django-allauth adapters: no open sign-up; HR creates accounts, invitations set passwords."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError

# allauth keeps the ways a person authenticated in this session under this key
# (allauth.account.internal.flows.login.AUTHENTICATION_METHODS_SESSION_KEY).
ALLAUTH_AUTHENTICATION_RECORDS = "account_authentication_methods"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def pre_authenticate(self, request, **credentials):
        # The address is slowed after many failures, never refused (toppleder/signin.py); the
        # account's own limit is allauth's `login_failed` rate, checked by super().
        from toppleder import signin

        signin.before_password_check(request)
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            signin.refused(credentials.get("email") or credentials.get("username") or "")
            raise

    def login(self, request, user):
        super().login(request, user)
        # Staff are sent to set up two-factor right after signing in, and allauth asks for a
        # password before any change to how one signs in. The password typed a moment ago counts
        # (allauth's own session record of it, marked as a re-authentication): no second prompt.
        from toppleder.permissions import needs_staff_security

        records = request.session.get(ALLAUTH_AUTHENTICATION_RECORDS)
        if needs_staff_security(user) and isinstance(records, list) and records:
            last = records[-1]
            if last.get("method") == "password" and time.time() - float(last.get("at", 0)) < 60:
                last["reauthenticated"] = True
                request.session[ALLAUTH_AUTHENTICATION_RECORDS] = records

    def authentication_failed(self, request, **credentials):
        from toppleder import signin

        signin.failed(request, credentials.get("email") or credentials.get("username") or "")


def sso_claims(sociallogin) -> dict:
    """The provider's claims: the ID token's, then the userinfo endpoint's on top."""
    data = sociallogin.account.extra_data or {}
    claims = {k: v for k, v in data.items() if k not in ("id_token", "userinfo")}
    for part in ("id_token", "userinfo"):
        if isinstance(data.get(part), dict):
            claims.update(data[part])
    return claims


def provider_mfa_trusted(claims: dict) -> bool:
    """The provider's own two-factor counts here only when configured (OIDC_TRUSTED_AMR/ACR)."""
    amr = claims.get("amr") or []
    amr = [amr] if isinstance(amr, str) else amr
    return bool(set(amr) & set(settings.OIDC_TRUSTED_AMR)) or (
        bool(settings.OIDC_TRUSTED_ACR) and claims.get("acr") in settings.OIDC_TRUSTED_ACR
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on (OpenID Connect, e.g. Entra ID) signs in people HR already knows.

    The first sign-in links to the existing account by a *verified* e-mail address only (allauth's
    email authentication reads `email_verified`); an unknown person gets the "no access yet" page
    and no account; a deactivated account is refused (allauth's inactive page); the provider's
    group claims set the roles named in OIDC_GROUP_ROLES on every sign-in; a failed or forged
    callback (bad state, wrong issuer, expired code) gets a Norwegian page and an audit entry.
    """

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        from toppleder import services

        user = sociallogin.user
        if user is None or not user.pk:
            return
        email = getattr(sociallogin, "_did_authenticate_by_email", None)
        if email:
            # Linked by a verified address to an account HR made (there is no open sign-up, so
            # nobody else chose its address or password): keep the password, record the address
            # as verified, instead of allauth's precaution of wiping the password.
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=user, email__iexact=email, defaults={"email": email, "verified": True, "primary": True}
            )
        claims = sso_claims(sociallogin)
        if settings.OIDC_GROUP_ROLES and user.is_active:
            groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
            services.roles_from_sso(user=user, groups=[str(g) for g in groups])
        request.session["mfa_ok"] = provider_mfa_trusted(claims)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        from toppleder import audit

        detail = str(exception or error or "")[:200]
        audit.record(
            None,
            audit.Action.LOGIN_FAILED,
            changes={
                "sso": getattr(provider, "sub_id", "") or getattr(provider, "id", str(provider)),
                "error": str(error or ""),
                "detail": detail,
            },
            label="single sign-on",
        )
