from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/thanks/", views.answer_thanks, name="answer_thanks"),
    path("surveys/answer/<str:token>/", views.answer, name="answer"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/invite/", views.survey_invite, name="survey_invite"),
    path("surveys/<int:pk>/remind/", views.survey_remind, name="survey_remind"),
    path("surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path("surveys/<int:pk>/results.csv", views.survey_results_csv, name="survey_results_csv"),
    path("surveys/questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("surveys/questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("surveys/questionnaires/<int:pk>/copy/", views.questionnaire_copy, name="questionnaire_copy"),
]
