"""Each report as a PDF: its context (reports/content/), its template (templates/reports/),
its title, rendered in the reader's language by reports/pdf.py.

The functions return `pdf.RenderResult` and raise `pdf.RenderFailed` when WeasyPrint cannot
make the PDF; anything else that goes wrong is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programmes.models import Programme, Session
from reports import pdf
from reports.content.leader import leader_record_data
from reports.content.personal_data import personal_data_context
from reports.content.programme import programme_report_data
from reports.content.session import session_report_data
from reports.content.summary import summary_data
from reports.period import Period
from toppleder.models import Leader


def user_language(user) -> str:
    """The language the user's reports are written in: their own choice, else Norwegian."""
    lang = getattr(user, "language", None) or settings.LANGUAGE_CODE
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def report_context(title: str, user, **extra) -> dict:
    """`extra` plus what templates/reports/base.html shows: title, language, when, for whom."""
    return {
        "report": {
            "title": title,
            "lang": translation.get_language() or settings.LANGUAGE_CODE,
            "generated_at": timezone.localtime(),
            "generated_by": user.get_full_name() if user is not None else "",
        },
        **extra,
    }


def render(template: str, context: dict, request=None) -> pdf.RenderResult:
    return pdf.render_pdf(render_to_string(template, context, request=request))


def session_report(session: Session, *, user, hr_version: bool) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = session_report_data(session, hr_version=hr_version)
        title = _("Session report") if hr_version else _("Session report (participant version)")
        return render("reports/session.html", report_context(title, user, **data))


def programme_report(
    programme: Programme, *, user, period: Period | None = None, progress: Callable[[int], None] | None = None
) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = programme_report_data(programme, period)
        if progress:
            progress(50)
        return render("reports/programme.html", report_context(_("Programme progress report"), user, **data))


def leader_record(leader: Leader, *, user) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = leader_record_data(leader)
        return render("reports/leader_record.html", report_context(_("Development record"), user, **data))


def summary_report(period: Period, *, user, progress: Callable[[int], None] | None = None) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = summary_data(period, progress)
        return render("reports/summary.html", report_context(_("Programme summary"), user, **data))


def personal_data_report(request) -> pdf.RenderResult:
    """The signed-in person's own data, in the language of the page they asked from."""
    context = personal_data_context(request.user, language=request.LANGUAGE_CODE)
    return render("reports/personal_data.html", context, request=request)
