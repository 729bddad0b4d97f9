from django.urls import path

import toppleder.converters  # noqa: F401  (<id:…>)
from surveys import views

app_name = "surveys"

urlpatterns = [
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/thanks/", views.answer_thanks, name="answer_thanks"),
    path("surveys/answer/<str:token>/", views.answer, name="answer"),
    path("surveys/<id:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<id:pk>/invite/", views.survey_invite, name="survey_invite"),
    path("surveys/<id:pk>/remind/", views.survey_remind, name="survey_remind"),
    path("surveys/<id:pk>/results/", views.survey_results, name="survey_results"),
    path("surveys/<id:pk>/results.csv", views.survey_results_csv, name="survey_results_csv"),
    path("surveys/<id:pk>/actions/new/<key:factor>/", views.action_create, name="action_create"),
    path("surveys/actions/<id:pk>/status/", views.action_status, name="action_status"),
    path("surveys/groups/<id:group_pk>/", views.group_surveys, name="group_surveys"),
    path("surveys/groups/<id:group_pk>/<id:pk>/", views.group_survey_results, name="group_survey_results"),
    path(
        "surveys/groups/<id:group_pk>/<id:pk>/actions/new/<key:factor>/",
        views.group_action_create,
        name="group_action_create",
    ),
    path("surveys/factor-scores/", views.factor_scores, name="factor_scores"),
    path("surveys/questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("surveys/questionnaires/<id:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("surveys/questionnaires/<id:pk>/copy/", views.questionnaire_copy, name="questionnaire_copy"),
]
