from django.urls import path, re_path

from programmes import views

app_name = "programmes"

urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/status/", views.programme_status, name="programme_status"),
    path("programmes/<int:pk>/enrolments/", views.enrolment_list, name="enrolment_list"),
    path("programmes/<int:pk>/enrolments/add/", views.enrolment_add, name="enrolment_add"),
    path("programmes/<int:pk>/enrolments/add-group/", views.enrolment_add_group, name="enrolment_add_group"),
    path(
        "programmes/<int:pk>/enrolments/add-organisations/",
        views.enrolment_add_organisations,
        name="enrolment_add_organisations",
    ),
    path(
        "programmes/<int:pk>/enrolments/<int:enrolment_pk>/withdraw/",
        views.enrolment_withdraw,
        name="enrolment_withdraw",
    ),
    path("programmes/<int:pk>/import/", views.leaders_import, name="leaders_import"),
    re_path(
        r"^programmes/(?P<pk>\d+)/export/(?P<what>enrolments|registrations)\.(?P<fmt>csv|xlsx)$",
        views.export,
        name="export",
    ),
    path("programmes/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/calendar.ics", views.session_calendar, name="session_calendar"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    re_path(
        r"^sessions/(?P<pk>\d+)/(?P<action>publish|cancel|complete)/$", views.session_action, name="session_action"
    ),
    path("sessions/<int:pk>/register/", views.registration_create, name="registration_create"),
    path("sessions/<int:pk>/unregister/", views.registration_cancel, name="registration_cancel"),
    path("sessions/<int:pk>/contributors/add/", views.contributor_add, name="contributor_add"),
    path(
        "sessions/<int:pk>/contributors/<int:contributor_pk>/remove/",
        views.contributor_remove,
        name="contributor_remove",
    ),
    path("sessions/<int:pk>/materials/add/", views.material_add, name="material_add"),
    path("sessions/<int:pk>/materials/<int:material_pk>/", views.material_download, name="material_download"),
    path("sessions/<int:pk>/materials/<int:material_pk>/remove/", views.material_remove, name="material_remove"),
    path("sessions/<int:pk>/waitlist/<int:registration_pk>/move/", views.waitlist_move, name="waitlist_move"),
    path(
        "sessions/<int:pk>/waitlist/favour-newcomers/",
        views.waitlist_favour_newcomers,
        name="waitlist_favour_newcomers",
    ),
    path("sessions/<int:pk>/attendance/", views.attendance_record, name="attendance_record"),
    path("sessions/<int:pk>/commitments/add/", views.commitment_create, name="commitment_create"),
    path("commitments/<int:pk>/status/", views.commitment_status, name="commitment_status"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{8,64})\.ics$", views.calendar_feed, name="calendar_feed"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/<slug:area_key>/", views.measure_area, name="measure_area"),
    path("measures/<slug:area_key>/<int:pk>/", views.measure_update, name="measure_update"),
]
