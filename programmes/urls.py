from django.urls import path, re_path

import toppleder.converters  # noqa: F401  (<id:…>, <key:…>)
from programmes.email_actions import LINK_PATTERN
from programmes.views import (
    calendar,
    commitments,
    courses,
    email_actions,
    enrolment,
    guest_page,
    guests,
    measures,
    programmes,
    projects,
    registrations,
    sessions,
)

app_name = "programmes"

urlpatterns = [
    path("programmes/", programmes.programme_list, name="programme_list"),
    path("programmes/new/", programmes.programme_create, name="programme_create"),
    path("programmes/<id:pk>/", programmes.programme_detail, name="programme_detail"),
    path("programmes/<id:pk>/edit/", programmes.programme_edit, name="programme_edit"),
    path("programmes/<id:pk>/status/", programmes.programme_status, name="programme_status"),
    path("programmes/<id:pk>/enrolments/", enrolment.enrolment_list, name="enrolment_list"),
    path("programmes/<id:pk>/enrolments/add/", enrolment.enrolment_add, name="enrolment_add"),
    path("programmes/<id:pk>/enrolments/add-group/", enrolment.enrolment_add_group, name="enrolment_add_group"),
    path(
        "programmes/<id:pk>/enrolments/add-organisations/",
        enrolment.enrolment_add_organisations,
        name="enrolment_add_organisations",
    ),
    path(
        "programmes/<id:pk>/enrolments/<id:enrolment_pk>/withdraw/",
        enrolment.enrolment_withdraw,
        name="enrolment_withdraw",
    ),
    path("programmes/<id:pk>/import/", enrolment.leaders_import, name="leaders_import"),
    re_path(
        r"^leaders/import-template\.(?P<fmt>csv|xlsx)$",
        enrolment.leaders_import_template,
        name="leaders_import_template",
    ),
    re_path(
        r"^programmes/(?P<pk>[0-9]{1,18})/export/(?P<what>enrolments|registrations)\.(?P<fmt>csv|xlsx)$",
        enrolment.export,
        name="export",
    ),
    path("programmes/<id:pk>/guests/", guests.guest_list, name="guest_list"),
    path("programmes/<id:pk>/guests/invite/", guests.guest_invite, name="guest_invite"),
    path("programmes/<id:pk>/guests/import/", guests.guests_import, name="guests_import"),
    path("programmes/<id:pk>/guests/invite-known/", guests.guests_invite_known, name="guests_invite_known"),
    path("programmes/<id:pk>/courses/", courses.course_list, name="course_list"),
    path("programmes/<id:pk>/courses/new/", courses.courses_create, name="courses_create"),
    path("courses/<id:pk>/", courses.course_detail, name="course_detail"),
    path("projects/", projects.project_list, name="project_list"),
    path("programmes/<id:pk>/projects/new/", projects.project_create, name="project_create"),
    path("projects/<id:pk>/", projects.project_detail, name="project_detail"),
    path("programmes/<id:pk>/sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<id:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<id:pk>/calendar.ics", calendar.session_calendar, name="session_calendar"),
    path("sessions/<id:pk>/edit/", sessions.session_edit, name="session_edit"),
    re_path(
        r"^sessions/(?P<pk>[0-9]{1,18})/(?P<action>publish|cancel|complete)/$",
        sessions.session_action,
        name="session_action",
    ),
    path("sessions/<id:pk>/register/", registrations.registration_create, name="registration_create"),
    path("sessions/<id:pk>/unregister/", registrations.registration_cancel, name="registration_cancel"),
    path("sessions/<id:pk>/contributors/add/", sessions.contributor_add, name="contributor_add"),
    path(
        "sessions/<id:pk>/contributors/<id:contributor_pk>/remove/",
        sessions.contributor_remove,
        name="contributor_remove",
    ),
    path("sessions/<id:pk>/materials/add/", sessions.material_add, name="material_add"),
    path("sessions/<id:pk>/materials/<id:material_pk>/", sessions.material_download, name="material_download"),
    path("sessions/<id:pk>/materials/<id:material_pk>/remove/", sessions.material_remove, name="material_remove"),
    path("sessions/<id:pk>/waitlist/<id:registration_pk>/move/", registrations.waitlist_move, name="waitlist_move"),
    path(
        "sessions/<id:pk>/waitlist/favour-newcomers/",
        registrations.waitlist_favour_newcomers,
        name="waitlist_favour_newcomers",
    ),
    path("sessions/<id:pk>/groups/<id:group_pk>/book/", registrations.group_booking_create, name="group_booking"),
    path(
        "sessions/<id:pk>/group-bookings/<id:booking_pk>/accept/",
        registrations.group_offer_accept,
        name="group_offer_accept",
    ),
    path("sessions/<id:pk>/mode/", registrations.registration_switch_mode, name="registration_switch_mode"),
    path("sessions/<id:pk>/offer/accept/", registrations.offer_accept, name="offer_accept"),
    path("sessions/<id:pk>/apologies/", registrations.registration_apologies, name="registration_apologies"),
    path("sessions/<id:pk>/undo-cancel/", registrations.registration_restore, name="registration_restore"),
    path("sessions/<id:pk>/attendance/", registrations.attendance_record, name="attendance_record"),
    path("sessions/<id:pk>/checkin/", registrations.checkin, name="checkin"),
    path("sessions/<id:pk>/commitments/add/", commitments.commitment_create, name="commitment_create"),
    path("commitments/<id:pk>/status/", commitments.commitment_status, name="commitment_status"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/reset/", calendar.calendar_reset, name="calendar_reset"),
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{8,64})\.ics$", calendar.calendar_feed, name="calendar_feed"),
    # One-click links from e-mails (no sign-in: the signed token is the permission).
    re_path(
        rf"^e/(?P<action>[a-z]{{2,12}})/(?P<token>{LINK_PATTERN})/$", email_actions.email_action, name="email_action"
    ),
    re_path(rf"^guest/(?P<token>{LINK_PATTERN})/$", guest_page.guest_page, name="guest_page"),
    re_path(rf"^guest/(?P<token>{LINK_PATTERN})/calendar\.ics$", guest_page.guest_calendar, name="guest_calendar"),
    path("measures/", measures.measure_list, name="measure_list"),
    path("measures/<key:area_key>/", measures.measure_area, name="measure_area"),
    path("measures/<key:area_key>/<id:pk>/", measures.measure_update, name="measure_update"),
]
