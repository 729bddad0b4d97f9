"""Networks by interest on plain data: every leader in a network of a theme they chose, the
hard rules and the size range kept, and the result saying who got their first choice."""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reflection_groups.matching import Candidate, Lines, Pool, compose_networks, hard_rule_violations, splittable
from tests.reflection_groups.test_matching import pools

THEMES = ["Fra strategi til handling", "Digitalisering og digital transformasjon", "Styringsdialogen"]


def flat_pool(n, orgs=None):
    """n leaders, each in their own organisation (no line of command between them)."""
    return Pool([Candidate(i, orgs(i) if orgs else 100 + i) for i in range(n)], {}, {})


def test_everyone_gets_their_first_choice_when_the_numbers_allow():
    choices = {i: [THEMES[i % 2]] for i in range(12)}  # six and six
    result = compose_networks(flat_pool(12), choices, THEMES, 5, 8)
    assert result.feasible
    assert result.first_choices == 12
    assert sorted(Counter(n.theme for n in result.networks).values()) == [1, 1]
    for n in result.networks:
        assert all(choices[i][0] == n.theme for i in n.member_ids)


def test_a_theme_too_few_chose_is_closed_and_its_takers_get_their_second_choice():
    # Ten want strategy; three want digitalisation first, strategy second.
    choices = {i: [THEMES[0]] for i in range(10)}
    choices.update({i: [THEMES[1], THEMES[0]] for i in range(10, 13)})
    result = compose_networks(flat_pool(13), choices, THEMES, 5, 8)
    assert result.feasible
    assert {n.theme for n in result.networks} == {THEMES[0]}
    assert [result.ranks[i] for i in range(10, 13)] == [2, 2, 2]
    assert result.first_choices == 10


def test_leaders_without_a_preference_fill_a_theme_that_lacks_takers():
    choices = {i: [THEMES[0]] for i in range(6)}
    choices.update({i: [THEMES[1]] for i in range(6, 9)})  # three: too few for a network of 5
    choices.update({i: [] for i in range(9, 11)})  # two have no preference
    result = compose_networks(flat_pool(11), choices, THEMES, 5, 8)
    assert result.feasible and result.first_choices == 9
    assert [result.ranks[i] for i in (9, 10)] == [0, 0]
    digital = [n for n in result.networks if n.theme == THEMES[1]]
    assert len(digital) == 1 and set(range(6, 9)) <= set(digital[0].member_ids)


def test_the_hard_rules_move_a_leader_to_their_second_choice_rather_than_break():
    # Six leaders of one organisation want strategy first: one network cannot hold two of them.
    same_org = lambda i: 1 if i < 2 else 100 + i  # noqa: E731  (leaders 0 and 1 share an organisation)
    choices = {i: [THEMES[0], THEMES[1]] for i in range(12)}
    choices.update({i: [THEMES[1]] for i in range(12, 17)})
    result = compose_networks(flat_pool(17, same_org), choices, THEMES, 5, 8)
    assert result.feasible
    by_id = {i: Candidate(i, same_org(i)) for i in range(17)}
    groups = [[by_id[i] for i in n.member_ids] for n in result.networks]
    assert hard_rule_violations(groups, Lines({})) == []


def test_when_nothing_works_the_problem_is_said_and_nothing_is_proposed():
    result = compose_networks(flat_pool(3), {0: [THEMES[0]]}, THEMES, 5, 8)
    assert not result.feasible and result.networks == [] and "at least 5" in result.problems[0]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), st.data())
def test_random_pools_keep_every_rule_and_each_leader_gets_a_theme_they_chose(case, data):
    pool, size_min, size_max = case
    ids = [c.id for c in pool.candidates]
    choices = {
        i: data.draw(st.lists(st.sampled_from(THEMES), max_size=2, unique=True), label=f"choices {i}") for i in ids
    }
    result = compose_networks(pool, choices, THEMES, size_min, size_max, improve_steps=50)
    if not result.feasible:
        assert result.networks == [] and all(result.problems)
        return
    by_id = {c.id: c for c in pool.candidates}
    placed = [i for n in result.networks for i in n.member_ids]
    assert sorted(placed) == sorted(ids)  # everyone exactly once
    assert all(size_min <= len(n.member_ids) <= size_max for n in result.networks)
    assert (
        hard_rule_violations([[by_id[i] for i in n.member_ids] for n in result.networks], Lines(pool.governed_by)) == []
    )
    theme_of = {i: n.theme for n in result.networks for i in n.member_ids}
    for i in ids:
        rank = result.ranks[i]
        if rank == 0:
            assert choices[i] == []
        elif rank is not None:
            assert choices[i][rank - 1] == theme_of[i]  # the rank says which choice they got
        else:
            assert theme_of[i] not in choices[i]


def test_splittable_counts():
    assert [n for n in range(0, 20) if splittable(n, 5, 8)] == [0, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
