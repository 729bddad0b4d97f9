"""django-allauth adapters: no open sign-up; HR creates accounts, invitations set passwords."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import ValidationError


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

    def authentication_failed(self, request, **credentials):
        from toppleder import signin

        signin.failed(request, credentials.get("email") or credentials.get("username") or "")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # Single sign-on only connects to an account HR already created (matched by e-mail).
        return False
