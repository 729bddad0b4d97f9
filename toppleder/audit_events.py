"""What the core's audit events mean, and its downloads (see toppleder/audit_log.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EVENTS = {
    "user_set_language": ("toppleder.user", gettext_lazy("%(who)s chose the language of their pages and e-mails.")),
    "preferences_update": (
        "toppleder.notificationpreference",
        gettext_lazy("%(who)s chose which reminders they get by e-mail."),
    ),
    "roles_from_sso": (
        "toppleder.user",
        gettext_lazy("The sign-in service (single sign-on) set the roles of %(object)s from its group claims."),
    ),
    "outbox_resend": ("toppleder.outboxmessage", gettext_lazy("%(who)s sent the e-mail %(object)s again.")),
}

DOWNLOADS = {
    "my_data_json": lambda kwargs, user: _("the personal data of %(name)s (JSON)") % {"name": user.get_full_name()},
    "audit_log_csv": lambda kwargs, user: _("the audit log (CSV)"),
}
