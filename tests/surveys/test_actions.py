"""From a factor's figure to an action, and the action back next to the factor in the next
wave; the leader's own actions on the dashboard; a hidden figure stays hidden in the action."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from programmes.models import Commitment, Measure, MeasureArea, ProgrammeEnrolment
from surveys import services
from surveys.models import Action
from tests.factories import HRUserFactory, LeaderFactory
from tests.surveys.factories import SurveyFactory, add_responses

pytestmark = pytest.mark.django_db
NOW = timezone.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_current_timezone())


def _closed(**kw):
    return SurveyFactory(opens_at=NOW - timedelta(days=30), closes_at=NOW - timedelta(days=1), **kw)


def _leaders(programme, n=2):
    leaders = [LeaderFactory() for _ in range(n)]
    for le in leaders:
        ProgrammeEnrolment.objects.create(programme=programme, leader=le)
    return leaders


def _measure():
    area, _ = MeasureArea.objects.get_or_create(key="a-test", defaults={"name_nb": "Område", "name_en": "Area"})
    return Measure.objects.create(area=area, text="Felles møteplasser", horizon="short")


@pytest.fixture
def hr():
    return HRUserFactory()


@time_machine.travel(NOW, tick=False)
def test_action_loop_from_a_factor_to_the_next_wave_and_the_leaders_dashboard(client, hr):
    base = _closed(kind="baseline", wave=1)
    add_responses(base, 8, values=[2, 3])
    a, b = _leaders(base.programme)
    client.force_login(hr)
    page = client.get(reverse("surveys:survey_results", args=[base.pk])).content.decode()
    new_url = reverse("surveys:action_create", args=[base.pk, "trust"])
    assert new_url in page
    form = client.get(new_url).content.decode()
    assert "2,5" in form and "n=8" in form  # the figure the action answers, as the results show it
    r = client.post(
        new_url,
        {
            "kind": "commitment",
            "text": "Felles frokostmøte hver måned",
            "owner": a.user.pk,
            "due_date": "2027-01-15",
            "parties": [a.pk, b.pk],
        },
    )
    assert r.status_code == 302
    action = Action.objects.get()
    assert (action.factor, action.owner, action.due_date) == ("trust", a.user, date(2027, 1, 15))
    assert set(action.commitment.parties.all()) == {a, b}  # followed up like every commitment

    # The next wave (closed by now; its answers written straight in): its figure for trust
    # shows the action taken on it.
    follow = SurveyFactory(
        kind="follow_up",
        wave=2,
        programme=base.programme,
        opens_at=NOW - timedelta(hours=20),
        closes_at=NOW - timedelta(hours=1),
    )
    add_responses(follow, 8, values=[4])
    page = client.get(reverse("surveys:survey_results", args=[follow.pk])).content.decode()
    assert "Felles frokostmøte hver måned" in page and "1 siden forrige runde" in page
    # The leader who owns it sees it on their dashboard and marks it done.
    client.force_login(a.user)
    assert "Felles frokostmøte hver måned" in client.get("/").content.decode()
    client.post(reverse("surveys:action_status", args=[action.pk]), {"status": "done"})
    assert Action.objects.get().status == "done"
    # The other party sees it too (a party to the commitment), but cannot change it.
    client.force_login(b.user)
    assert "Felles frokostmøte hver måned" in client.get("/").content.decode()
    assert client.post(reverse("surveys:action_status", args=[action.pk]), {"status": "planned"}).status_code == 404
    assert Action.objects.get().status == "done"


@time_machine.travel(NOW, tick=False)
def test_an_action_on_a_hidden_figure_keeps_it_hidden(client, hr):
    survey = _closed()
    add_responses(survey, 3, values=[1])  # under k: no figure
    a, _b = _leaders(survey.programme)
    client.force_login(hr)
    url = reverse("surveys:action_create", args=[survey.pk, "trust"])
    form = client.get(url).content.decode()
    assert "too few answers" in form or "for få svar" in form
    assert "n=3" not in form and "1,0" not in form
    measure = _measure()
    r = client.post(
        url,
        {
            "kind": "measure",
            "text": "Ta opp tillit i ledersamlingen",
            "owner": hr.pk,
            "due_date": "2027-02-01",
            "measure": measure.pk,
        },
    )
    assert r.status_code == 302
    action = Action.objects.get()
    assert action.measure == measure and action.commitment is None
    # Nothing about the figure was stored with it, and no page that shows it shows the figure.
    assert not any(name in {"mean", "n", "value"} for name in (f.name for f in Action._meta.get_fields()))
    client.force_login(a.user)
    assert "n=3" not in client.get("/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_bad_actions_are_refused_in_norwegian_and_nothing_is_made(client, hr):
    survey = _closed()
    add_responses(survey, 6)
    a, b = _leaders(survey.programme)
    client.force_login(hr)
    url = reverse("surveys:action_create", args=[survey.pk, "trust"])
    base = {"kind": "commitment", "text": "Noe", "owner": a.user.pk, "due_date": "2027-01-15"}
    r = client.post(url, {**base, "parties": [a.pk]})  # one party
    assert r.status_code == 400 and "minst to parter" in r.content.decode()
    r = client.post(url, {**base, "parties": [a.pk, b.pk], "due_date": "2026-10-01"})  # in the past
    assert r.status_code == 400
    nope = reverse("surveys:action_create", args=[survey.pk, "nope"])
    assert client.post(nope, {**base, "parties": [a.pk, b.pk]}).status_code == 404
    r = client.post(url, {**base, "kind": "measure"})  # no measure chosen
    assert r.status_code == 400
    assert Action.objects.count() == 0 and Commitment.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_no_action_from_an_open_survey_and_only_hr_makes_actions(client, hr):
    open_survey = SurveyFactory(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=3))
    a, b = _leaders(open_survey.programme)
    with pytest.raises(ValidationError):
        services.action_create(
            survey=open_survey,
            factor="trust",
            kind="commitment",
            text="x",
            owner=a.user,
            due_date=date(2027, 1, 1),
            parties=[a, b],
            by=hr,
        )
    closed = _closed()
    with pytest.raises(ValidationError):
        services.action_create(
            survey=closed,
            factor="trust",
            kind="commitment",
            text="x",
            owner=a.user,
            due_date=date(2027, 1, 1),
            parties=[a, b],
            by=a.user,
        )
    client.force_login(a.user)
    assert client.get(reverse("surveys:action_create", args=[closed.pk, "trust"])).status_code == 403
    assert Action.objects.count() == 0


# --- a group's facilitator -------------------------------------------------------------


def _group(programme, facilitator, n=3):
    from reflection_groups.models import GroupMembership, ReflectionGroup

    group = ReflectionGroup.objects.create(
        programme=programme, name="Refleksjonsgruppe Nord", facilitator=facilitator, status="published"
    )
    members = _leaders(programme, n)
    for le in members:
        GroupMembership.objects.create(group=group, leader=le, programme=programme, kind=group.kind)
    return group, members


def _group_wave(programme, group, wave, *, days_ago):
    return SurveyFactory(
        programme=programme,
        kind="baseline" if wave == 1 else "follow_up",
        wave=wave,
        group_ref=group.pk,
        opens_at=NOW - timedelta(days=days_ago),
        closes_at=NOW - timedelta(days=days_ago - 5),
    )


@time_machine.travel(NOW, tick=False)
def test_a_facilitator_makes_an_action_from_the_groups_factor_and_the_next_wave_shows_it(client):
    from tests.factories import FacilitatorFactory

    facilitator = FacilitatorFactory(name="Frida Fasilitator")
    programme = SurveyFactory(opens_at=NOW - timedelta(days=90), closes_at=NOW - timedelta(days=80)).programme
    group, (a, b, c) = _group(programme, facilitator)
    base = _group_wave(programme, group, 1, days_ago=60)
    add_responses(base, 6, values=[2, 3])
    client.force_login(facilitator)
    # The group page leads to the group's surveys, and from there to the factor figures.
    page = client.get(reverse("reflection_groups:group_detail", args=[group.pk])).content.decode()
    assert reverse("surveys:group_surveys", args=[group.pk]) in page
    listing = client.get(reverse("surveys:group_surveys", args=[group.pk])).content.decode()
    results_url = reverse("surveys:group_survey_results", args=[group.pk, base.pk])
    assert results_url in listing
    figures = client.get(results_url).content.decode()
    assert "2,5" in figures  # trust's mean for the whole group (n=6)
    new_url = reverse("surveys:group_action_create", args=[group.pk, base.pk, "trust"])
    assert new_url in figures
    form = client.get(new_url).content.decode()
    assert "2,5" in form and "n=6" in form
    # The choices are the group's own members (and the facilitator as owner), nobody else.
    outsider = _leaders(programme, 1)[0]
    assert a.user.name in form and outsider.user.name not in form
    r = client.post(
        new_url,
        {
            "kind": "commitment",
            "text": "Vi deler én sak om tillit på hvert møte",
            "owner": a.user.pk,
            "due_date": "2027-01-15",
            "parties": [a.pk, b.pk],
        },
    )
    assert r.status_code == 302 and r["Location"] == results_url
    action = Action.objects.get()
    assert (action.factor, action.owner, action.created_by, action.survey) == ("trust", a.user, facilitator, base)
    assert set(action.commitment.parties.all()) == {a, b}
    from toppleder.audit import AuditEntry

    recorded = set(AuditEntry.objects.filter(actor=facilitator).values_list("event", "object_type", "object_id"))
    assert ("action_create", "surveys.action", str(action.pk)) in recorded  # the facilitator's own entries
    assert ("commitment_create", "programmes.commitment", str(action.commitment.pk)) in recorded

    # The group's next wave: its figure for trust shows the action taken on it, on the
    # facilitator's page and on HR's results page.
    follow = _group_wave(programme, group, 2, days_ago=10)
    assert follow.series == base.series and follow.wave == 2
    add_responses(follow, 6, values=[4])
    page = client.get(reverse("surveys:group_survey_results", args=[group.pk, follow.pk])).content.decode()
    assert "Vi deler én sak om tillit på hvert møte" in page and "1 siden forrige runde" in page
    client.force_login(HRUserFactory())
    page = client.get(reverse("surveys:survey_results", args=[follow.pk])).content.decode()
    assert "Vi deler én sak om tillit på hvert møte" in page
    # The programme's own next wave (no group) is not the group's: it does not show the action.
    programme_wave = SurveyFactory(
        programme=programme,
        kind="follow_up",
        wave=2,
        opens_at=NOW - timedelta(days=20),
        closes_at=NOW - timedelta(days=15),
    )
    add_responses(programme_wave, 6)
    page = client.get(reverse("surveys:survey_results", args=[programme_wave.pk])).content.decode()
    assert "Vi deler én sak om tillit på hvert møte" not in page


@time_machine.travel(NOW, tick=False)
def test_a_facilitator_acts_for_their_own_group_only(client):
    from tests.factories import FacilitatorFactory

    facilitator = FacilitatorFactory()
    programme = SurveyFactory().programme
    group, (a, b, _c) = _group(programme, facilitator)
    survey = _group_wave(programme, group, 1, days_ago=30)
    add_responses(survey, 6)
    outsider = _leaders(programme, 1)[0]
    args = {"survey": survey, "factor": "trust", "kind": "commitment", "text": "x", "due_date": date(2027, 1, 1)}
    # Not the group's members: refused, with the reason in Norwegian.
    from django.utils import translation

    with pytest.raises(ValidationError) as exc, translation.override("nb"):
        services.action_create(**args, owner=a.user, parties=[a, outsider], by=facilitator)
    with translation.override("nb"):
        assert "gruppens egne medlemmer" in str(exc.value.message_dict["parties"])
    with pytest.raises(ValidationError):
        services.action_create(**args, owner=outsider.user, parties=[a, b], by=facilitator)
    # Another group's facilitator, and an HR adviser who facilitates another group, get a 404 on
    # the pages and a refusal from the service (HR's own page stays HR's).
    other = FacilitatorFactory()
    _group(programme, other)
    hr_adviser = FacilitatorFactory(roles=["HR"])
    _group(programme, hr_adviser)
    with pytest.raises(ValidationError):
        services.action_create(**args, owner=a.user, parties=[a, b], by=other)
    url = reverse("surveys:group_action_create", args=[group.pk, survey.pk, "trust"])
    for user in (other, hr_adviser, a.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"kind": "commitment", "text": "x", "owner": user.pk}).status_code == 404
    # A survey of another group (or the programme's own) is not found under this group.
    client.force_login(facilitator)
    programme_survey = _closed(programme=programme)
    assert client.get(reverse("surveys:group_survey_results", args=[group.pk, programme_survey.pk])).status_code == 404
    assert Action.objects.count() == 0
    # The facilitator's own action, owned by the facilitator, on an update to a measure.
    measure = _measure()
    action = services.action_create(**{**args, "kind": "measure"}, owner=facilitator, measure=measure, by=facilitator)
    assert action.measure == measure and action.created_by == facilitator


@time_machine.travel(NOW, tick=False)
def test_a_hidden_group_figure_stays_hidden_for_the_facilitator_and_in_the_action(client):
    from tests.factories import FacilitatorFactory

    facilitator = FacilitatorFactory()
    programme = SurveyFactory().programme
    group, _members = _group(programme, facilitator)
    survey = _group_wave(programme, group, 1, days_ago=30)
    add_responses(survey, 3, values=[1])  # under k
    client.force_login(facilitator)
    page = client.get(reverse("surveys:group_survey_results", args=[group.pk, survey.pk])).content.decode()
    assert "For få svar" in page and "1,0" not in page
    form = client.get(reverse("surveys:group_action_create", args=[group.pk, survey.pk, "trust"])).content.decode()
    assert "n=3" not in form and "1,0" not in form and "for få svar" in form.lower()


@time_machine.travel(NOW, tick=False)
def test_an_action_that_is_a_commitment_is_one_item_to_its_parties(client, hr):
    """Listed once on "Mitt program" (as the commitment, saying which factor it answers), and
    done when the commitment is done; a measure update the leader owns stays under the actions."""
    from programmes.services.commitments import commitment_update_status
    from toppleder.audit import AuditEntry

    survey = _closed()
    add_responses(survey, 8, values=[3])
    a, b = _leaders(survey.programme)
    action = services.action_create(
        survey=survey,
        factor="trust",
        kind="commitment",
        text="Felles frokostmøte hver måned",
        owner=a.user,
        due_date=date(2027, 1, 15),
        by=hr,
        parties=[a, b],
    )
    services.action_create(
        survey=survey,
        factor="trust",
        kind="measure",
        text="Oppdatere møteplassene",
        owner=a.user,
        due_date=date(2027, 2, 1),
        by=hr,
        measure=_measure(),
    )
    client.force_login(a.user)
    page = client.get("/").content.decode()
    assert page.count("<strong>Felles frokostmøte hver måned</strong>") == 1  # the commitment
    assert "</strong> Felles frokostmøte" not in page  # not again as a survey action
    assert "fra undersøkelsen: Tillit" in page
    assert "Oppdatere møteplassene" in page  # the measure update, under the survey actions

    commitment_update_status(commitment=action.commitment, status="done", by=b.user)
    action.refresh_from_db()
    assert action.status == "done"
    assert AuditEntry.objects.filter(event="commitment_update_status", object_type="surveys.action").count() == 1
    commitment_update_status(commitment=action.commitment, status="in_progress", by=b.user)
    action.refresh_from_db()
    assert action.status == "planned"
