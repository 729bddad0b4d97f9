"""Which report a download is, and for whom, for the audit log (see toppleder/audit_log.py)."""

from django.utils.translation import gettext as _


def _session(kwargs, user):
    from programmes.models import Session
    from toppleder.permissions import is_hr

    title = Session.objects.filter(pk=kwargs.get("pk")).values_list("title", flat=True).first()
    version = _("HR's version, with names") if is_hr(user) else _("a participant's version, counts only")
    return _("the session report for «%(title)s» (%(version)s)") % {"title": title, "version": version}


def _programme(kwargs, user):
    from programmes.models import Programme

    name = Programme.objects.filter(pk=kwargs.get("pk")).values_list("name", flat=True).first()
    return _("the progress report for the programme «%(name)s»") % {"name": name}


DOWNLOADS = {
    "reports:session_pdf": _session,
    "reports:programme_pdf": _programme,
    "reports:my_record_pdf": lambda kwargs, user: (
        _("the development record of %(name)s") % {"name": user.get_full_name()}
    ),
    "reports:summary_pdf": lambda kwargs, user: _("the programme summary for the municipality (PDF)"),
    "reports:summary_csv": lambda kwargs, user: _("the programme summary for the municipality (CSV)"),
    "reports:summary_xlsx": lambda kwargs, user: _("the programme summary for the municipality (Excel)"),
    "my_data_pdf": lambda kwargs, user: _("the personal data of %(name)s (PDF)") % {"name": user.get_full_name()},
}
