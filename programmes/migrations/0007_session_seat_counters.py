"""Seat counters on the session row (programmes/seats.py keeps them), filled from the
registrations that exist."""

from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill_counters(apps, schema_editor):
    Session = apps.get_model("programmes", "Session")
    Registration = apps.get_model("programmes", "Registration")

    def counted(status):
        rows = (
            Registration.objects.filter(session=OuterRef("pk"), status=status)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    Session.objects.update(
        confirmed_count=counted("confirmed"), waitlist_count=counted("waitlisted"), offered_count=counted("offered")
    )


class Migration(migrations.Migration):
    dependencies = [("programmes", "0006_waitlist_offers")]

    operations = [
        migrations.AddField(
            model_name="session",
            name="confirmed_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="confirmed"),
        ),
        migrations.AddField(
            model_name="session",
            name="waitlist_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="waiting"),
        ),
        migrations.AddField(
            model_name="session",
            name="offered_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="offered"),
        ),
        migrations.RunPython(fill_counters, migrations.RunPython.noop),
    ]
