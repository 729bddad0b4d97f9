"""The seat counters on a session row (programmes/seats.py) equal the real number of confirmed
and waiting registrations after every way a registration can change: each public service
function (the audit test's scenarios, so a new service is covered as soon as it has one),
the admin, a cascade delete, concurrent sign-ups, the demo seed's bulk rows and the migration
that fills them."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.urls import reverse

from programmes import seats
from programmes.models import Registration, Session
from tests.factories import AdminUserFactory
from tests.programmes.factories import ProgrammeFactory, RegistrationFactory, SessionFactory, enrolled_leader
from tests.security.test_audit_completeness import _scenarios, w  # noqa: F401  (w: the fixture)

pytestmark = pytest.mark.django_db


def real_counts() -> dict:
    out = {}
    for session in Session.objects.all():
        out[session.pk] = tuple(
            session.registrations.filter(status=status, mode=mode).count()
            for mode in (Registration.Mode.ROOM, Registration.Mode.ONLINE)
            for status in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
        )
    return out


def counters() -> dict:
    fields = ("confirmed_count", "waitlist_count", "online_confirmed_count", "online_waitlist_count")
    return {pk: tuple(rest) for pk, *rest in Session.objects.values_list("pk", *fields)}


@pytest.mark.parametrize("name", sorted(_scenarios()))
def test_counters_equal_the_real_counts_after_every_service(w, name, django_capture_on_commit_callbacks):  # noqa: F811
    assert counters() == real_counts()
    _scenarios()[name](w)
    assert counters() == real_counts(), name
    assert seats.drift() == []


def test_the_scenarios_do_move_seats():
    """The parametrised test above is not vacuous: sign-up, cancel with promotion and
    waiting-list moves are among the scenarios."""
    names = set(_scenarios())
    for needed in ("registration_create", "registration_cancel", "waitlist_reorder", "promote_waiting"):
        assert any(n.endswith(needed) for n in names)


def _full_session(capacity=2, waiting=2):
    programme = ProgrammeFactory()
    session = SessionFactory(programme=programme, capacity=capacity)
    from programmes import services

    leaders = [enrolled_leader(programme) for _ in range(capacity + waiting)]
    regs = [services.registration_create(session=session, leader=le) for le in leaders]
    return session, regs


def test_sign_up_cancel_and_promotion_move_the_counters():
    from programmes import services

    session, regs = _full_session()
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count, session.seats_left) == (2, 2, 0)
    services.registration_cancel(registration=regs[0])  # the first waiting is offered the seat
    session.refresh_from_db()
    assert (session.confirmed_count, session.offered_count, session.waitlist_count) == (1, 1, 1)
    assert session.seats_left == 0  # an offered seat is held
    services.offer_accept(registration=regs[2])
    session.refresh_from_db()
    assert (session.confirmed_count, session.offered_count, session.waitlist_count) == (2, 0, 1)
    services.registration_cancel(registration=regs[3])  # leaves the waiting list
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (2, 0)
    services.session_update(session=session, capacity=5, by=None)
    session.refresh_from_db()
    assert (session.confirmed_count, session.seats_left, session.fill_percent) == (2, 3, 40)
    assert counters() == real_counts()


def test_a_session_saved_from_a_stale_copy_keeps_the_counters(admin_client):
    """A form or the admin saves the whole session row: never the counters it read earlier."""
    from programmes import services

    session, _regs = _full_session(capacity=3, waiting=0)
    stale = Session.objects.get(pk=session.pk)
    RegistrationFactory(
        session=session, leader=enrolled_leader(session.programme), status="waitlisted", waitlist_position=1
    )
    stale.title = "Nytt navn"
    stale.save()
    services.session_update(session=stale, title="Enda et navn", by=None)
    assert counters() == real_counts()
    assert Session.objects.get(pk=session.pk).waitlist_count == 1


@pytest.fixture
def admin_client(client):
    admin = AdminUserFactory()
    client.force_login(admin)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    return client


def test_admin_edits_and_the_admin_cancel_action_keep_the_counters(admin_client):
    session, regs = _full_session(capacity=2, waiting=1)
    url = reverse("admin:programmes_session_change", args=[session.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    # The change form, as the admin posts it (inline management forms included).
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = value
        for i, f in enumerate(fs.forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if value is not None:
                    data[f"{fs.prefix}-{i}-{name}"] = getattr(value, "pk", value)
    data.update(
        title="Endret i admin",
        starts_at_0=session.starts_at.strftime("%d.%m.%Y"),
        starts_at_1=session.starts_at.strftime("%H:%M:%S"),
        ends_at_0=session.ends_at.strftime("%d.%m.%Y"),
        ends_at_1=session.ends_at.strftime("%H:%M:%S"),
        capacity=4,
        confirmed_count=0,  # read-only: ignored even when posted
        waitlist_count=0,
    )
    data.pop("registration_deadline", None)
    resp = admin_client.post(url, data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors if resp.context else resp
    session.refresh_from_db()
    assert session.title == "Endret i admin"
    assert counters() == real_counts()

    changelist = reverse("admin:programmes_registration_changelist")
    resp = admin_client.post(changelist, {"action": "cancel", ACTION_CHECKBOX_NAME: [regs[0].pk, regs[2].pk]})
    assert resp.status_code == 302
    assert counters() == real_counts()
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (1, 0)


def test_a_cascade_delete_recounts_its_session():
    session, regs = _full_session(capacity=2, waiting=1)
    regs[0].leader.user.delete()  # the person is erased: the registration goes with them
    assert counters() == real_counts()
    assert Session.objects.get(pk=session.pk).confirmed_count == 1


def test_bulk_rows_are_counted_by_recount_and_drift_names_the_session():
    session = SessionFactory(capacity=10)
    Registration.objects.bulk_create(
        [Registration(session=session, leader=enrolled_leader(session.programme), status="confirmed") for _ in range(3)]
    )
    assert seats.drift() == [
        {
            "pk": session.pk,
            "confirmed_count": 0,
            "real_confirmed": 3,
            "waitlist_count": 0,
            "real_waiting": 0,
            "offered_count": 0,
            "real_offered": 0,
            "online_confirmed_count": 0,
            "real_online_confirmed": 0,
            "online_waitlist_count": 0,
            "real_online_waiting": 0,
            "online_offered_count": 0,
            "real_online_offered": 0,
        }
    ]
    assert seats.recount([session.pk]) == 1
    assert seats.drift() == []
    assert counters() == real_counts()


def test_the_migration_fills_the_counters_from_the_registrations():
    from importlib import import_module

    from django.apps import apps as live_apps

    session = SessionFactory(capacity=10)
    Registration.objects.bulk_create(
        [Registration(session=session, leader=enrolled_leader(session.programme), status="confirmed") for _ in range(2)]
    )
    migration = import_module("programmes.migrations.0007_session_seat_counters")
    migration.fill_counters(live_apps, connection.schema_editor())
    assert counters() == real_counts()
    assert Session.objects.get(pk=session.pk).confirmed_count == 2
