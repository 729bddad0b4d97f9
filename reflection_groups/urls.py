from django.urls import path

import toppleder.converters  # noqa: F401  (<id:…>, <key:…>)
from reflection_groups import views

app_name = "reflection_groups"

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/compose/", views.group_compose, name="compose"),
    path("groups/compose/<id:programme_pk>/<key:kind>/", views.proposal, name="proposal"),
    path("groups/compose/<id:programme_pk>/<key:kind>/publish/", views.proposal_publish, name="proposal_publish"),
    path("groups/facilitators/", views.facilitator_list, name="facilitator_list"),
    path("groups/<id:pk>/", views.group_detail, name="group_detail"),
    path("groups/<id:pk>/seen/", views.group_seen, name="group_seen"),
    path("groups/<id:pk>/move/", views.group_move, name="group_move"),
    path("groups/<id:pk>/publish/", views.group_publish, name="group_publish"),
    path("groups/<id:pk>/close/", views.group_close, name="group_close"),
    path("groups/<id:pk>/notes/", views.note_create, name="note_create"),
    path("groups/<id:pk>/notes/<id:note_pk>/", views.note_detail, name="note_detail"),
    path("groups/<id:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("groups/<id:pk>/meetings/<id:meeting_pk>/", views.meeting_detail, name="meeting_detail"),
    path("groups/<id:pk>/meetings/<id:meeting_pk>/attendance/", views.attendance_record, name="attendance_record"),
    path("groups/<id:pk>/meetings/<id:meeting_pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("groups/<id:pk>/meetings/<id:meeting_pk>/change/", views.meeting_change, name="meeting_change"),
    path("mentoring/pairs/", views.pair_list, name="pair_list"),
    path("mentoring/pairs/<id:pk>/", views.pair_detail, name="pair_detail"),
    path("mentoring/pairs/<id:pk>/seen/", views.pair_seen, name="pair_seen"),
    path("mentoring/pairs/<id:pk>/meetings/", views.pair_meeting_create, name="pair_meeting_create"),
    path("mentoring/pairs/<id:pk>/planned/", views.pair_appointment_create, name="pair_appointment_create"),
    path(
        "mentoring/pairs/<id:pk>/planned/<id:appointment_pk>/",
        views.pair_appointment_change,
        name="pair_appointment_change",
    ),
    path(
        "mentoring/pairs/<id:pk>/planned/<id:appointment_pk>/cancel/",
        views.pair_appointment_cancel,
        name="pair_appointment_cancel",
    ),
    path("mentoring/pairs/<id:pk>/agreement/", views.pair_agreement, name="pair_agreement"),
    path("mentoring/pairs/<id:pk>/fit/", views.pair_fit, name="pair_fit"),
    path("mentoring/pairs/<id:pk>/new-match/", views.pair_rematch, name="pair_rematch"),
    path("mentoring/pairs/<id:pk>/publish/", views.pair_publish, name="pair_publish"),
    path("mentoring/pairs/<id:pk>/close/", views.pair_close, name="pair_close"),
    path("mentoring/pairs/<id:pk>/remove/", views.pair_discard, name="pair_discard"),
    path("mentoring/match/", views.pair_match, name="pair_match"),
    path("mentoring/match/add/", views.pair_create, name="pair_create"),
    path("mentoring/match/publish/", views.pairs_publish, name="pairs_publish"),
    path("mentoring/mentor-profile/", views.mentor_profile, name="mentor_profile"),
    path("mentoring/wish/", views.mentee_wish, name="mentee_wish"),
]
