"""seed_demo for groups and pairs: living data, leder001 in a group and a pair, idempotent."""

import io
import random

import pytest

from programmes import demo as programmes_demo
from reflection_groups import demo
from reflection_groups.matching import Lines
from reflection_groups.models import GroupMeeting, GroupNote, MentorPair, PairMeeting, ReflectionGroup
from reflection_groups.services import organisation_tree
from toppleder import demo as core_demo


@pytest.mark.django_db
def test_demo_groups_and_pairs_are_alive_rule_abiding_and_idempotent():
    out = io.StringIO()
    core_demo.seed(size="small", rng=random.Random(1), stdout=out, password="demo-pass-123")
    programmes_demo.seed(size="small", rng=random.Random(2), stdout=out)
    demo.seed(size="small", rng=random.Random(3), stdout=out)
    counts = (
        ReflectionGroup.objects.count(),
        GroupMeeting.objects.count(),
        GroupNote.objects.count(),
        MentorPair.objects.count(),
        PairMeeting.objects.count(),
    )
    assert all(counts), counts
    assert set(ReflectionGroup.objects.values_list("kind", flat=True)) == {"reflection", "self_driven", "network"}
    assert set(ReflectionGroup.objects.filter(kind="network").values_list("theme", flat=True)) == set(
        demo.NETWORK_THEMES
    )
    assert set(MentorPair.objects.values_list("scheme", flat=True)) == {"duo", "partner"}
    assert ReflectionGroup.objects.filter(members__user__email=demo.LEDER001, kind="reflection").exists()
    assert (
        MentorPair.objects.filter(mentee__user__email=demo.LEDER001).exists()
        or MentorPair.objects.filter(mentor__user__email=demo.LEDER001).exists()
    )
    lines = Lines(organisation_tree()[0])
    for g in ReflectionGroup.objects.prefetch_related("members"):
        orgs = [m.organisation_id for m in g.members.all()]
        assert not any(lines.same_line(a, b) for i, a in enumerate(orgs) for b in orgs[i + 1 :]), g
    for p in MentorPair.objects.select_related("mentor", "mentee"):
        assert not lines.same_line(p.mentor.organisation_id, p.mentee.organisation_id)
    demo.seed(size="small", rng=random.Random(3), stdout=out)
    assert counts == (
        ReflectionGroup.objects.count(),
        GroupMeeting.objects.count(),
        GroupNote.objects.count(),
        MentorPair.objects.count(),
        PairMeeting.objects.count(),
    )


def _seed():
    out = io.StringIO()
    core_demo.seed(size="small", rng=random.Random(1), stdout=out, password="demo-pass-123")
    programmes_demo.seed(size="small", rng=random.Random(2), stdout=out)
    demo.seed(size="small", rng=random.Random(3), stdout=out)


@pytest.mark.django_db
def test_demo_has_an_open_theme_choice_most_leaders_answered():
    from reflection_groups import selectors
    from reflection_groups.models import ThemeChoice, ThemeWindow
    from toppleder.models import Leader

    _seed()
    window = ThemeWindow.objects.get()
    assert window.is_open() and len(window.themes) == 3
    figures = selectors.theme_window_figures(window)
    assert figures["n_answers"] > 10 and figures["n_no_preference"] > 0
    leder001 = Leader.objects.get(user__email="leder001@toppleder.example")
    assert list(selectors.open_theme_windows_for(leder001)) == [window]
    assert not ThemeChoice.objects.filter(leader=leder001).exists()
    _seed()
    assert ThemeWindow.objects.count() == 1


@pytest.mark.django_db
def test_demo_has_three_new_top_leaders_in_onboarding():
    from reflection_groups import selectors
    from reflection_groups.models import OnboardingPath

    _seed()
    leaders = list(selectors.new_top_leaders().order_by("user__email")[:3])
    assert len(leaders) == 3
    rows = selectors.onboarding_rows(leaders)
    assert [r["done"] >= 2 for r in rows][0] and rows[1]["contact"] is not None and rows[2]["path"] is None
    assert OnboardingPath.objects.count() == 2
    _seed()
    assert OnboardingPath.objects.count() == 2
