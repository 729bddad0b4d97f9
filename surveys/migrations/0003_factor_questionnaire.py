"""Load the factor questionnaire (two items per dimension and factor), the new default."""

from django.db import migrations


def load(apps, schema_editor):
    from surveys import questionnaire as default_q

    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Question = apps.get_model("surveys", "Question")
    if Questionnaire.objects.filter(series=default_q.DEFAULT_SERIES, version=1).exists():
        return
    q = Questionnaire.objects.create(name=default_q.DEFAULT_NAME, series=default_q.DEFAULT_SERIES, version=1)
    Question.objects.bulk_create([Question(questionnaire=q, **item) for item in default_q.default_questions()])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_default_questionnaire")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
