"""Confidential notes never leave the group (or the pair): every URL of the app, every role,
the dashboard and the admin. The URL list comes from the resolver, so a new URL without an
entry in URL_KWARGS fails here until someone decides what it needs."""

import pytest
from django.contrib import admin
from django.urls import reverse

from reflection_groups import urls as app_urls
from reflection_groups.models import GroupNote
from tests.reflection_groups.conftest import GROUP_SECRET, PAIR_SECRET


def _appointment(w):
    """The pair's planned meeting (made on first use; it holds no note)."""
    from datetime import timedelta

    from django.utils import timezone

    return w.pair.appointments.first() or w.pair.appointments.create(
        starts_at=timezone.now() + timedelta(days=10), place="Rådhuset"
    )


# How to fill each URL's arguments from the world fixture.
URL_KWARGS = {
    "group_list": lambda w: {},
    "facilitator_list": lambda w: {},
    "compose": lambda w: {},
    "proposal": lambda w: {"programme_pk": w.programme.pk, "kind": w.group.kind},
    "proposal_publish": lambda w: {"programme_pk": w.programme.pk, "kind": w.group.kind},
    "group_detail": lambda w: {"pk": w.group.pk},
    "group_seen": lambda w: {"pk": w.group.pk},
    "group_move": lambda w: {"pk": w.group.pk},
    "group_publish": lambda w: {"pk": w.group.pk},
    "group_close": lambda w: {"pk": w.group.pk},
    "note_create": lambda w: {"pk": w.group.pk},
    "note_detail": lambda w: {"pk": w.group.pk, "note_pk": w.note.pk},
    "meeting_create": lambda w: {"pk": w.group.pk},
    "meeting_detail": lambda w: {"pk": w.group.pk, "meeting_pk": w.meeting.pk},
    "attendance_record": lambda w: {"pk": w.group.pk, "meeting_pk": w.meeting.pk},
    "meeting_cancel": lambda w: {"pk": w.group.pk, "meeting_pk": w.meeting.pk},
    "meeting_change": lambda w: {"pk": w.group.pk, "meeting_pk": w.meeting.pk},
    "pair_list": lambda w: {},
    "pair_detail": lambda w: {"pk": w.pair.pk},
    "pair_seen": lambda w: {"pk": w.pair.pk},
    "pair_meeting_create": lambda w: {"pk": w.pair.pk},
    "pair_appointment_create": lambda w: {"pk": w.pair.pk},
    "pair_appointment_change": lambda w: {"pk": w.pair.pk, "appointment_pk": _appointment(w).pk},
    "pair_appointment_cancel": lambda w: {"pk": w.pair.pk, "appointment_pk": _appointment(w).pk},
    "pair_agreement": lambda w: {"pk": w.pair.pk},
    "pair_fit": lambda w: {"pk": w.pair.pk},
    "pair_rematch": lambda w: {"pk": w.pair.pk},
    "pair_publish": lambda w: {"pk": w.pair.pk},
    "pair_close": lambda w: {"pk": w.pair.pk},
    "pair_discard": lambda w: {"pk": w.pair.pk},
    "pair_match": lambda w: {},
    "pair_create": lambda w: {},
    "pairs_publish": lambda w: {},
    "mentor_profile": lambda w: {},
    "mentee_wish": lambda w: {},
    "theme_window_list": lambda w: {},
    "theme_window_detail": lambda w: {"pk": _theme_window(w).pk},
    "networks_compose": lambda w: {"pk": _theme_window(w).pk},
    "theme_choice": lambda w: {"pk": _theme_window(w).pk},
    "onboarding_list": lambda w: {},
    "onboarding_detail": lambda w: {"pk": w.members[2].pk},  # a top leader for two months
    "onboarding_tick": lambda w: {"pk": w.members[2].pk},
    "onboarding_contact": lambda w: {"pk": w.members[2].pk},
    # A group's pages in other apps (by their namespaced names): the facilitator's survey pages.
    "surveys:group_surveys": lambda w: {"group_pk": w.group.pk},
    "surveys:group_survey_results": lambda w: {"group_pk": w.group.pk, "pk": _group_survey(w).pk},
    "surveys:group_action_create": lambda w: {"group_pk": w.group.pk, "pk": _group_survey(w).pk, "factor": "trust"},
}


def _group_survey(w):
    """A closed survey made for the group, with answers (made on first use)."""
    from datetime import timedelta

    from django.utils import timezone

    from surveys.models import Survey
    from tests.surveys.factories import SurveyFactory, add_responses

    survey = Survey.objects.filter(group_ref=w.group.pk).first()
    if survey is None:
        now = timezone.now()
        survey = SurveyFactory(
            programme=w.programme,
            kind="group_end",
            series="",
            group_ref=w.group.pk,
            opens_at=now - timedelta(days=20),
            closes_at=now - timedelta(days=1),
        )
        add_responses(survey, 6)
    return survey


def _group_pages_elsewhere() -> set[str]:
    """Every URL of another app that takes a group's id (`group_pk`): it needs an entry too."""
    from surveys import urls as survey_urls

    return {f"surveys:{p.name}" for p in survey_urls.urlpatterns if "group_pk" in str(p.pattern)}


def _theme_window(w):
    from datetime import timedelta

    from django.utils import timezone

    from reflection_groups.models import ThemeWindow

    now = timezone.now()
    window, _ = ThemeWindow.objects.get_or_create(
        programme=w.programme,
        title="Nettverk",
        defaults={"themes": ["Styringsdialogen", "Å lære"], "opens_at": now, "closes_at": now + timedelta(days=3)},
    )
    return window


# Where each secret may legitimately be shown, and to whom.
GROUP_NOTE_PAGES = {"group_detail", "note_detail", "meeting_detail"}
PAIR_NOTE_PAGES = {"pair_detail"}
ROLES = ["anonymous", "member", "outsider", "facilitator", "mentor", "hr", "admin", "plain", "hr_facilitator"]


def test_every_url_of_the_app_has_an_entry():
    assert {p.name for p in app_urls.urlpatterns} | _group_pages_elsewhere() == set(URL_KWARGS)


def _hr_facilitating_another_group(world):
    """An HR adviser who is the named facilitator of a second group (with a note of its own)."""
    from reflection_groups.models import ReflectionGroup
    from tests.factories import FacilitatorFactory

    adviser = FacilitatorFactory(name="Hanne HR-rådgiver", roles=["HR"])
    other = ReflectionGroup.objects.create(
        programme=world.programme, name="Refleksjonsgruppe 2", facilitator=adviser, status="published"
    )
    GroupNote.objects.create(group=other, author=adviser, text="ANDRE-GRUPPES-NOTAT")
    return adviser


def _client_for(role, client, world, hr_user, admin_user, plain_user):
    if role == "hr_facilitator":
        client.force_login(_hr_facilitating_another_group(world))
        return client
    who = {
        "member": world.members[1].user,
        "outsider": world.outsider.user,
        "facilitator": world.facilitator,
        "mentor": world.pair.mentor.user,
        "hr": hr_user,
        "admin": admin_user,
        "plain": plain_user,
    }.get(role)
    if who is not None:
        client.force_login(who)
    return client


def _all_urls(world):
    out = [reverse("dashboard")]
    for p in app_urls.urlpatterns:
        out.append((p.name, reverse(f"reflection_groups:{p.name}", kwargs=URL_KWARGS[p.name](world))))
    for name in sorted(_group_pages_elsewhere()):
        out.append((name, reverse(name, kwargs=URL_KWARGS[name](world))))
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_note_text_never_reaches_anyone_outside_the_group_or_pair(role, client, world, hr_user, admin_user, plain_user):
    client = _client_for(role, client, world, hr_user, admin_user, plain_user)
    may_read_group = role in ("member", "facilitator")
    may_read_pair = role == "mentor"
    urls = _all_urls(world)
    for entry in urls:
        name, url = entry if isinstance(entry, tuple) else ("dashboard", entry)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            body = response.content.decode()
            if not (may_read_group and method == "get" and name in GROUP_NOTE_PAGES):
                assert GROUP_SECRET not in body, (role, method, url)
            if not (may_read_pair and method == "get" and name in PAIR_NOTE_PAGES):
                assert PAIR_SECRET not in body, (role, method, url)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_groups_survey_pages_open_for_its_named_facilitator_only(
    role, client, world, hr_user, admin_user, plain_user
):
    client = _client_for(role, client, world, hr_user, admin_user, plain_user)
    for name in sorted(_group_pages_elsewhere()):
        response = client.get(reverse(name, kwargs=URL_KWARGS[name](world)))
        if role == "anonymous":
            assert response.status_code == 302, name
        else:
            assert response.status_code == (200 if role == "facilitator" else 404), (role, name)


@pytest.mark.django_db
def test_members_facilitator_and_the_pair_do_see_their_notes(client, world):
    client.force_login(world.members[1].user)
    assert GROUP_SECRET in client.get(reverse("reflection_groups:group_detail", args=[world.group.pk])).content.decode()
    client.force_login(world.facilitator)
    url = reverse("reflection_groups:note_detail", args=[world.group.pk, world.note.pk])
    assert GROUP_SECRET in client.get(url).content.decode()
    client.force_login(world.pair.mentor.user)
    assert PAIR_SECRET in client.get(reverse("reflection_groups:pair_detail", args=[world.pair.pk])).content.decode()
    client.force_login(world.pair.mentee.user)
    assert PAIR_SECRET in client.get(reverse("reflection_groups:pair_detail", args=[world.pair.pk])).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "hr", "admin", "plain", "mentor", "hr_facilitator"])
def test_opening_a_note_url_outside_the_group_is_refused(role, client, world, hr_user, admin_user, plain_user):
    client = _client_for(role, client, world, hr_user, admin_user, plain_user)
    response = client.get(reverse("reflection_groups:note_detail", args=[world.group.pk, world.note.pk]))
    assert response.status_code in (403, 404)


@pytest.mark.django_db
def test_an_hr_adviser_who_facilitates_one_group_reads_that_groups_notes_and_no_other(client, world):
    from reflection_groups.models import ReflectionGroup

    adviser = _hr_facilitating_another_group(world)
    own = ReflectionGroup.objects.get(facilitator=adviser)
    client.force_login(adviser)
    body = client.get(reverse("reflection_groups:group_detail", args=[own.pk])).content.decode()
    assert "ANDRE-GRUPPES-NOTAT" in body
    body = client.get(reverse("reflection_groups:group_detail", args=[world.group.pk])).content.decode()
    assert GROUP_SECRET not in body  # HR sees the group, members and meetings, not its notes
    assert client.get(reverse("reflection_groups:note_detail", args=[world.group.pk, world.note.pk])).status_code == 403


@pytest.mark.django_db
def test_hr_sees_that_a_meeting_happened_and_who_attended(client, world, hr_user):
    client.force_login(hr_user)
    body = client.get(
        reverse("reflection_groups:meeting_detail", args=[world.group.pk, world.meeting.pk])
    ).content.decode()
    assert world.members[0].name in body
    assert GROUP_SECRET not in body
    body = client.get(reverse("reflection_groups:pair_detail", args=[world.pair.pk])).content.decode()
    assert "Bli tryggere" in body and PAIR_SECRET not in body


def test_group_notes_are_not_in_the_admin():
    assert GroupNote not in admin.site._registry
    for model_admin in admin.site._registry.values():
        for inline in getattr(model_admin, "inlines", []):
            assert inline.model is not GroupNote


@pytest.mark.django_db
@pytest.mark.parametrize("staff", ["admin", "hr"])
def test_admin_pages_never_show_note_text(staff, client, world, admin_user, hr_user):
    from toppleder.models import User

    user = admin_user if staff == "admin" else hr_user
    if staff == "hr":
        # HR works in the admin too (seed_demo grants them the app's permissions).
        from django.contrib.auth.models import Permission

        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="reflection_groups"))
    client.force_login(user)
    checked = 0
    for model, _model_admin in admin.site._registry.items():
        if model._meta.app_label != "reflection_groups":
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_changelist") + "?q=PARHEM"]
        pages += [reverse(f"{prefix}_change", args=[obj.pk]) for obj in model.objects.all()[:5]]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.content.decode()
            assert GROUP_SECRET not in body and PAIR_SECRET not in body, url
            checked += 1
    assert checked >= 12


@pytest.mark.django_db
def test_admin_refuses_a_second_group_of_the_same_kind_with_a_message(client, world, admin_user):
    from reflection_groups.models import GroupMembership, ReflectionGroup

    other = ReflectionGroup.objects.create(programme=world.programme, name="Gruppe 2", facilitator=world.facilitator)
    client.force_login(admin_user)
    change = reverse("admin:reflection_groups_reflectiongroup_change", args=[other.pk])
    data = {
        "programme": world.programme.pk,
        "kind": "reflection",
        "name": "Gruppe 2",
        "theme": "",
        "facilitator": world.facilitator.pk,
        "meeting_rhythm": "",
        "status": "proposed",
        "round_number": 1,
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 0,
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
        "memberships-0-leader": world.members[0].pk,
        "memberships-0-active": "on",
        "memberships-0-group": other.pk,
    }
    response = client.post(change, data)
    assert response.status_code == 200
    assert "already in another group of the same kind" in response.content.decode()
    assert not GroupMembership.objects.filter(group=other).exists()
