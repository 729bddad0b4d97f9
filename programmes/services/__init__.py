"""Every state change in programmes, one module per noun. Each function is keyword-only,
validates before it writes, runs in a transaction and records what it changed in the audit
log (toppleder/audit.py). Views, admin actions, tasks and commands call these; nothing here
renders or reads a request. Bad input raises `ValidationError` with a translatable message
(keyed by field where a form field matches); `by` is the acting user (None: the system).

    programmes.py     programme_create, programme_update, programme_set_status
    enrolment.py      enrolment_add, enrolment_add_groups, enrolment_add_organisations, enrolment_withdraw
    sessions.py       session_create, session_update, session_publish, session_cancel, session_complete,
                      session_set_measures, contributor_add/remove, material_add/remove
    registrations.py  registration_create, registration_cancel, registration_switch_mode, waitlist_reorder,
                      waitlist_favour_newcomers, attendance_record, calendar_token_reset
    group_bookings.py group_booking_create, group_offer_accept
    checkin.py        attendance_check_in
    commitments.py    commitment_create, commitment_update_status
    courses.py        course_template_create, courses_create (many parallel leader-group courses)
    projects.py       project_create, project_update (collaboration projects)
    measures.py       measure_update
    imports.py        leaders_import
    guests.py         guest_invite, guests_import, guests_invite_known (participants who are not leaders: politicians, union
                      representatives, guests; a leader's e-mail attaches the leader)

`from programmes import services` gives them all by name; the code lives in the noun's module.
"""

from programmes.services.checkin import attendance_check_in
from programmes.services.commitments import commitment_create, commitment_update_status
from programmes.services.common import KEEP
from programmes.services.courses import course_template_create, courses_create
from programmes.services.enrolment import (
    enrolment_add,
    enrolment_add_groups,
    enrolment_add_organisations,
    enrolment_withdraw,
    leaders_ineligible,
)
from programmes.services.group_bookings import group_booking_create, group_offer_accept
from programmes.services.guests import guest_invite, guests_import, guests_invite_known
from programmes.services.imports import ImportResult, leaders_import
from programmes.services.measures import measure_update
from programmes.services.programmes import (
    default_programme_goal,
    programme_create,
    programme_set_status,
    programme_update,
)
from programmes.services.projects import project_create, project_update
from programmes.services.registrations import (
    RegistrationBusy,
    attendance_record,
    calendar_token_reset,
    email_action_perform,
    invitation_decline,
    offer_accept,
    offers_expire,
    registration_cancel,
    registration_create,
    registration_restore,
    registration_switch_mode,
    waitlist_favour_newcomers,
    waitlist_reorder,
)
from programmes.services.sessions import (
    contributor_add,
    contributor_remove,
    material_add,
    material_remove,
    session_cancel,
    session_complete,
    session_create,
    session_publish,
    session_set_measures,
    session_update,
)

__all__ = [
    "attendance_check_in",
    "KEEP",
    "ImportResult",
    "RegistrationBusy",
    "attendance_record",
    "calendar_token_reset",
    "commitment_create",
    "commitment_update_status",
    "contributor_add",
    "course_template_create",
    "courses_create",
    "contributor_remove",
    "default_programme_goal",
    "enrolment_add",
    "enrolment_add_groups",
    "enrolment_add_organisations",
    "enrolment_withdraw",
    "group_booking_create",
    "group_offer_accept",
    "guest_invite",
    "guests_import",
    "guests_invite_known",
    "leaders_import",
    "leaders_ineligible",
    "material_add",
    "material_remove",
    "measure_update",
    "programme_create",
    "project_create",
    "project_update",
    "programme_set_status",
    "programme_update",
    "email_action_perform",
    "invitation_decline",
    "offer_accept",
    "offers_expire",
    "registration_cancel",
    "registration_create",
    "registration_switch_mode",
    "registration_restore",
    "session_cancel",
    "session_complete",
    "session_create",
    "session_publish",
    "session_set_measures",
    "session_update",
    "waitlist_favour_newcomers",
    "waitlist_reorder",
]
