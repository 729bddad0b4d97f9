"""Active enrolments counted per programme and organisation, kept by the database.

Triggers change `programmes_enrolmentcount` in the same transaction as the enrolment (or the
leader's organisation) they count, so the count is right at commit whichever code writes:
the services, a bulk update, the admin or a shell. The statements are the same on
PostgreSQL and SQLite; only the trigger around them differs. Existing enrolments are counted
once at the end.
"""

import django.db.models.deletion
from django.db import migrations, models

COUNTS = "programmes_enrolmentcount"
ENROLMENTS = "programmes_programmeenrolment"
LEADERS = "toppleder_leader"
ACTIVE = "'enrolled'"
BUMP = f"ON CONFLICT (programme_id, organisation_id) DO UPDATE SET count = {COUNTS}.count + 1"


def count_in(row):
    """Count `row` (NEW) if it is an active enrolment."""
    return (
        f"INSERT INTO {COUNTS} (programme_id, organisation_id, count) "
        f"SELECT {row}.programme_id, l.organisation_id, 1 FROM {LEADERS} l "
        f"WHERE l.id = {row}.leader_id AND {row}.status = {ACTIVE} {BUMP}"
    )


def count_out(row):
    """Stop counting `row` (OLD) if it was an active enrolment. Only ever an UPDATE: a count
    is never created on the way out (its programme may be being deleted)."""
    return (
        f"UPDATE {COUNTS} SET count = count - 1 WHERE {row}.status = {ACTIVE} "
        f"AND programme_id = {row}.programme_id "
        f"AND organisation_id = (SELECT organisation_id FROM {LEADERS} WHERE id = {row}.leader_id)"
    )


# A leader who moves to another organisation takes their active enrolments along.
LEADER_MOVES = [
    f"UPDATE {COUNTS} SET count = count - 1 WHERE organisation_id = OLD.organisation_id "
    f"AND programme_id IN (SELECT programme_id FROM {ENROLMENTS} WHERE leader_id = NEW.id AND status = {ACTIVE})",
    f"INSERT INTO {COUNTS} (programme_id, organisation_id, count) "
    f"SELECT programme_id, NEW.organisation_id, 1 FROM {ENROLMENTS} "
    f"WHERE leader_id = NEW.id AND status = {ACTIVE} {BUMP}",
]
ENROLMENT_CHANGED = (
    "OLD.status IS DISTINCT FROM NEW.status OR OLD.programme_id <> NEW.programme_id "
    "OR OLD.leader_id <> NEW.leader_id"
)

POSTGRESQL = [
    f"""CREATE FUNCTION programmes_enrolment_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN {count_out("OLD")}; END IF;
      IF TG_OP <> 'DELETE' THEN {count_in("NEW")}; END IF;
      RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER programmes_enrolment_count_write AFTER INSERT OR DELETE ON {ENROLMENTS}
    FOR EACH ROW EXECUTE FUNCTION programmes_enrolment_count()""",
    f"""CREATE TRIGGER programmes_enrolment_count_change AFTER UPDATE ON {ENROLMENTS}
    FOR EACH ROW WHEN ({ENROLMENT_CHANGED}) EXECUTE FUNCTION programmes_enrolment_count()""",
    # The lower organisation's counts first, as the enrolment service locks them.
    f"""CREATE FUNCTION programmes_enrolment_count_leader() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.organisation_id < NEW.organisation_id THEN
        {LEADER_MOVES[0]};
        {LEADER_MOVES[1]};
      ELSE
        {LEADER_MOVES[1]};
        {LEADER_MOVES[0]};
      END IF;
      RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER programmes_enrolment_count_leader AFTER UPDATE OF organisation_id ON {LEADERS}
    FOR EACH ROW WHEN (OLD.organisation_id <> NEW.organisation_id)
    EXECUTE FUNCTION programmes_enrolment_count_leader()""",
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER programmes_enrolment_count_leader ON {LEADERS}",
    "DROP FUNCTION programmes_enrolment_count_leader()",
    f"DROP TRIGGER programmes_enrolment_count_change ON {ENROLMENTS}",
    f"DROP TRIGGER programmes_enrolment_count_write ON {ENROLMENTS}",
    "DROP FUNCTION programmes_enrolment_count()",
]
SQLITE = [
    f"""CREATE TRIGGER programmes_enrolment_count_insert AFTER INSERT ON {ENROLMENTS} FOR EACH ROW
    BEGIN {count_in("NEW")}; END""",
    f"""CREATE TRIGGER programmes_enrolment_count_delete AFTER DELETE ON {ENROLMENTS} FOR EACH ROW
    BEGIN {count_out("OLD")}; END""",
    f"""CREATE TRIGGER programmes_enrolment_count_change AFTER UPDATE ON {ENROLMENTS} FOR EACH ROW
    WHEN {ENROLMENT_CHANGED.replace("IS DISTINCT FROM", "IS NOT")}
    BEGIN {count_out("OLD")}; {count_in("NEW")}; END""",
    f"""CREATE TRIGGER programmes_enrolment_count_leader AFTER UPDATE OF organisation_id ON {LEADERS}
    FOR EACH ROW WHEN OLD.organisation_id <> NEW.organisation_id
    BEGIN {LEADER_MOVES[0]}; {LEADER_MOVES[1]}; END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER programmes_enrolment_count_{name}"
    for name in ("leader", "change", "delete", "insert")
]
BACKFILL = (
    f"INSERT INTO {COUNTS} (programme_id, organisation_id, count) "
    f"SELECT e.programme_id, l.organisation_id, COUNT(*) FROM {ENROLMENTS} e "
    f"JOIN {LEADERS} l ON l.id = e.leader_id WHERE e.status = {ACTIVE} "
    "GROUP BY e.programme_id, l.organisation_id"
)


def statements(connection, forwards):
    if connection.vendor == "postgresql":
        return POSTGRESQL if forwards else POSTGRESQL_REVERSE
    if connection.vendor == "sqlite":
        return SQLITE if forwards else SQLITE_REVERSE
    raise NotImplementedError(f"No enrolment count triggers for {connection.vendor}.")


def install(apps, schema_editor):
    for sql in statements(schema_editor.connection, True):
        schema_editor.execute(sql)


def count_existing(apps, schema_editor):
    schema_editor.execute(BACKFILL)


def uninstall(apps, schema_editor):
    for sql in statements(schema_editor.connection, False):
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('programmes', '0013_guests'),
        ('toppleder', '0010_outbox_pair_meetings'),
    ]

    operations = [
        migrations.CreateModel(
            name='EnrolmentCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('count', models.IntegerField(default=0, verbose_name='enrolled leaders')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='toppleder.organisation')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programmes.programme')),
            ],
            options={
                'verbose_name': 'enrolment count',
                'verbose_name_plural': 'enrolment counts',
                'constraints': [models.UniqueConstraint(fields=('programme', 'organisation'), name='enrolment_count_once')],
            },
        ),
        migrations.RunPython(install, uninstall),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
