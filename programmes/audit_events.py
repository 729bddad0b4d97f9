"""What the programme services' audit events mean, in a sentence (toppleder/audit_log.py).

EVENTS: event → (the object type it speaks of, the sentence). `%(who)s`, `%(object)s` and
`%(after_<field>)s` (a recorded value) may be used. DOWNLOADS: URL name → what the download is
(a callable gets the URL's arguments and the person, and names the object).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EVENTS = {
    "programme_create": ("programmes.programme", gettext_lazy("%(who)s created the programme %(object)s.")),
    "programme_update": ("programmes.programme", gettext_lazy("%(who)s changed the programme %(object)s.")),
    "programme_set_status": (
        "programmes.programme",
        gettext_lazy("%(who)s changed the status of the programme %(object)s."),
    ),
    "enrolment_add": ("programmes.programmeenrolment", gettext_lazy("%(who)s enrolled %(object)s.")),
    "enrolment_withdraw": ("programmes.programmeenrolment", gettext_lazy("%(who)s withdrew the enrolment %(object)s.")),
    "leaders_import_csv": ("toppleder.user", gettext_lazy("%(who)s imported %(object)s from a leader list (CSV).")),
    "guest_invite": ("programmes.guestinvitation", gettext_lazy("%(who)s invited %(object)s by name.")),
    "course_template_create": (
        "programmes.coursetemplate",
        gettext_lazy("%(who)s created the course template %(object)s."),
    ),
    "courses_create": ("programmes.course", gettext_lazy("%(who)s made the leader-group course %(object)s.")),
    "project_create": (
        "programmes.collaborationproject",
        gettext_lazy("%(who)s recorded the collaboration project %(object)s."),
    ),
    "project_update": (
        "programmes.collaborationproject",
        gettext_lazy("%(who)s changed the collaboration project %(object)s."),
    ),
    "session_create": ("programmes.session", gettext_lazy("%(who)s created the session %(object)s.")),
    "session_update": ("programmes.session", gettext_lazy("%(who)s changed the session %(object)s.")),
    "session_publish": ("programmes.session", gettext_lazy("%(who)s published the session %(object)s.")),
    "session_cancel": ("programmes.session", gettext_lazy("%(who)s cancelled the session %(object)s.")),
    "session_complete": ("programmes.session", gettext_lazy("%(who)s marked the session %(object)s as held.")),
    "session_set_measures": (
        "programmes.session",
        gettext_lazy("%(who)s chose the measures the session %(object)s serves."),
    ),
    "contributor_add": ("programmes.contributor", gettext_lazy("%(who)s added the contributor %(object)s.")),
    "contributor_remove": ("programmes.contributor", gettext_lazy("%(who)s removed the contributor %(object)s.")),
    "material_add": ("programmes.material", gettext_lazy("%(who)s uploaded the material %(object)s.")),
    "material_remove": ("programmes.material", gettext_lazy("%(who)s removed the material %(object)s.")),
    "registration_create": ("programmes.registration", gettext_lazy("%(who)s signed up: %(object)s.")),
    "registration_cancel": ("programmes.registration", gettext_lazy("%(who)s cancelled the registration %(object)s.")),
    "registration_restore": (
        "programmes.registration",
        gettext_lazy("%(who)s took back their cancelled seat: %(object)s."),
    ),
    "waitlist_reorder": (
        "programmes.waitlistchange",
        gettext_lazy(
            "%(who)s moved %(after_registration)s from place %(after_old_position)s to %(after_new_position)s"
            " on the waiting list. Reason: %(after_reason)s"
        ),
    ),
    "waitlist_favour_newcomers": (
        "programmes.waitlistchange",
        gettext_lazy(
            "%(who)s moved %(after_registration)s from place %(after_old_position)s to %(after_new_position)s"
            " on the waiting list to favour newcomers. Reason: %(after_reason)s"
        ),
    ),
    "attendance_record": ("programmes.registration", gettext_lazy("%(who)s recorded attendance: %(object)s.")),
    "commitment_create": ("programmes.commitment", gettext_lazy("%(who)s registered the commitment %(object)s.")),
    "commitment_update_status": (
        "programmes.commitment",
        gettext_lazy("%(who)s changed the status of the commitment %(object)s."),
    ),
    "measure_update": ("programmes.measure", gettext_lazy("%(who)s updated the measure %(object)s.")),
    "calendar_token_reset": (
        "toppleder.leader",
        gettext_lazy("%(who)s made a new calendar feed address (the old one stops working)."),
    ),
}


def _programme(kwargs, user):
    from programmes.models import Programme

    name = Programme.objects.filter(pk=kwargs.get("pk")).values_list("name", flat=True).first()
    return _("the export of %(what)s for the programme «%(name)s»") % {"what": kwargs.get("what", ""), "name": name}


def _session_calendar(kwargs, user):
    from programmes.models import Session

    title = Session.objects.filter(pk=kwargs.get("pk")).values_list("title", flat=True).first()
    return _("the calendar file for the session «%(title)s»") % {"title": title}


def _material(kwargs, user):
    from programmes.models import Material

    title = Material.objects.filter(pk=kwargs.get("material_pk")).values_list("title", flat=True).first()
    return _("the material «%(title)s»") % {"title": title}


def _feed(kwargs, user):
    from toppleder.models import Leader

    leader = Leader.objects.select_related("user").filter(calendar_token=kwargs.get("token")).first()
    return _("the calendar feed of %(name)s") % {"name": leader.name if leader else "–"}


DOWNLOADS = {
    "programmes:export": _programme,
    "programmes:session_calendar": _session_calendar,
    "programmes:material_download": _material,
    "programmes:calendar_feed": _feed,
}
