"""A programme's enrolments and registrations as rows: the `Sheet`s toppleder/spreadsheets.py
writes as CSV or XLSX (and makes safe against formula injection)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from programmes.models import Programme, Registration
from programmes.selectors import enrolments_for
from programmes.services.imports import COLUMNS
from toppleder.models import Leader, Organisation
from toppleder.spreadsheets import Sheet


def import_template() -> Sheet:
    """The file HR fills in to import leaders: the column names it reads, and one example row."""
    header = [str(name) for name, _aliases in COLUMNS.values()]
    organisation = Organisation.objects.order_by("name").values_list("name", flat=True).first() or "Bydel Gamle Oslo"
    example = [
        "Kari Nordmann",
        "kari.nordmann@example.oslo.kommune.no",
        organisation,
        _("Director"),
        Leader.Level.TOP.label,
        "",
    ]
    return Sheet(_("Leaders"), header, [example])


def enrolments(programme: Programme) -> Sheet:
    header = [
        _("Name"),
        _("E-mail"),
        _("Organisation"),
        _("Sector"),
        _("Title"),
        _("Level"),
        _("Status"),
        _("Enrolled at"),
        _("Via group"),
    ]
    rows = (
        [
            e.leader.user.name,
            e.leader.user.email,
            e.leader.organisation.name,
            e.leader.organisation.sector.name,
            e.leader.title,
            e.leader.get_level_display(),
            e.get_status_display(),
            e.enrolled_at,
            e.via_group.name if e.via_group else "",
        ]
        for e in enrolments_for(programme).iterator(chunk_size=2000)
    )
    return Sheet(_("Enrolments"), header, rows)


def registrations(programme: Programme) -> Sheet:
    header = [
        _("Session"),
        _("Starts"),
        _("Name"),
        _("E-mail"),
        _("Organisation"),
        _("Status"),
        _("Waiting-list position"),
        _("Attendance"),
        _("Registered at"),
    ]
    qs = (
        Registration.objects.filter(session__programme=programme)
        .select_related("session", "leader__user", "leader__organisation", "participant__user")
        .order_by("session__starts_at", "session_id", "status", "waitlist_position", "leader__user__name", "pk")
    )
    rows = (
        [
            r.session.title,
            r.session.starts_at,
            r.person.user.name,
            r.person.user.email,
            r.affiliation,
            r.get_status_display(),
            r.waitlist_position or "",
            r.get_attendance_display(),
            r.created_at,
        ]
        for r in qs.iterator(chunk_size=2000)
    )
    return Sheet(_("Registrations"), header, rows)
