"""Load the first default questionnaire, so HR can create a survey on a fresh installation."""

from django.db import migrations


def load(apps, schema_editor):
    from surveys import questionnaire as default_q

    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Question = apps.get_model("surveys", "Question")
    if Questionnaire.objects.filter(series=default_q.LEGACY_SERIES, version=1).exists():
        return
    q = Questionnaire.objects.create(name=default_q.LEGACY_NAME, series=default_q.LEGACY_SERIES, version=1)
    Question.objects.bulk_create([Question(questionnaire=q, **item) for item in default_q.legacy_questions()])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
