"""The core's own e-mails (rendered at send time, like every app's; see toppleder/outbox/rendering.py)."""

from toppleder.models import OutboxMessage
from toppleder.outbox.rendering import Email, Skip, absolute_url, render_email, renderer


@renderer(OutboxMessage.Kind.SIGNIN_LOCKED)
def render_signin_locked(message: OutboxMessage) -> Email:
    """Many wrong passwords for the account: the owner may choose a new password (the link is
    made at send time and never kept in the outbox)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = message.recipient
    if user is None or not user.is_active:
        raise Skip("The account is gone or deactivated.")
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    url = absolute_url(
        "account_reset_password_from_key", "UID", "KEY", fallback="/accounts/password/reset/key/UID-KEY/"
    )
    email = render_email(
        "signin-locked", {"user": user, "reset_url": url.replace("UID-KEY", key)}, language=message.language
    )
    email.secrets.append(key)
    return email
