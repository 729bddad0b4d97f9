"""What the survey services' audit events mean (see toppleder/audit_log.py). Answers are never
recorded (anonymity), so no event speaks of them."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EVENTS = {
    "survey_create": ("surveys.survey", gettext_lazy("%(who)s created the survey %(object)s.")),
    "survey_invite": ("surveys.survey", gettext_lazy("%(who)s sent out the survey %(object)s.")),
    "questionnaire_copy": ("surveys.questionnaire", gettext_lazy("%(who)s copied the questionnaire %(object)s.")),
    "questionnaire_update": ("surveys.questionnaire", gettext_lazy("%(who)s changed the questionnaire %(object)s.")),
    "questionnaire_default_create": (
        "surveys.questionnaire",
        gettext_lazy("%(who)s created the standard questionnaire %(object)s."),
    ),
    "questions_replace": ("surveys.question", gettext_lazy("%(who)s changed the question %(object)s.")),
    "action_create": ("surveys.action", gettext_lazy("%(who)s made the action %(object)s from the results.")),
    "factor_scores_import": (
        "surveys.organisationfactorscore",
        gettext_lazy("%(who)s imported the 10-FAKTOR figure %(object)s."),
    ),
    "action_update_status": ("surveys.action", gettext_lazy("%(who)s updated the action %(object)s.")),
}


def _results(kwargs, user):
    from surveys.models import Survey

    title = Survey.objects.filter(pk=kwargs.get("pk")).values_list("title", flat=True).first()
    return _("the results of the survey «%(title)s» (CSV)") % {"title": title}


DOWNLOADS = {"surveys:survey_results_csv": _results}
