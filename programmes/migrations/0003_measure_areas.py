"""Load the four measure areas of the district reform and all their measures from reference.yaml."""

from django.db import migrations


def load_measures(apps, schema_editor):
    from toppleder import reference

    MeasureArea = apps.get_model("programmes", "MeasureArea")
    Measure = apps.get_model("programmes", "Measure")
    for area_order, entry in enumerate(reference.load()["measure_areas"], start=1):
        area, _ = MeasureArea.objects.update_or_create(
            key=entry["key"],
            defaults={"name_nb": entry["nb"], "name_en": entry.get("en") or entry["nb"], "order": area_order},
        )
        for order, measure in enumerate(entry.get("measures", []), start=1):
            # Keyed on (area, order) so re-running keeps HR's status and owner.
            Measure.objects.update_or_create(
                area=area, order=order, defaults={"text": measure["nb"], "horizon": measure["horizon"]}
            )


def unload_measures(apps, schema_editor):
    apps.get_model("programmes", "MeasureArea").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0002_initial")]

    operations = [migrations.RunPython(load_measures, unload_measures)]
