"""The composition and matching algorithms on plain data (no database)."""

from itertools import combinations, permutations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reflection_groups.matching import (
    Candidate,
    Lines,
    Mentee,
    Mentor,
    Pool,
    compose_groups,
    hard_rule_violations,
    match_pairs,
    pair_allowed,
    pair_score,
)


@st.composite
def pools(draw):
    """A random organisation forest (departments with units, some units with sub-units) and leaders."""
    n_depts = draw(st.integers(1, 6))
    governed_by = {d: None for d in range(n_depts)}
    n_units = draw(st.integers(0, 25))
    for u in range(n_depts, n_depts + n_units):
        governed_by[u] = draw(st.sampled_from(sorted(governed_by)))
    orgs = sorted(governed_by)
    n = draw(st.integers(0, 90))
    cands = [
        Candidate(
            id=i,
            organisation_id=draw(st.sampled_from(orgs)),
            sector_id=draw(st.integers(0, 5)),
            is_new=draw(st.booleans()),
        )
        for i in range(n)
    ]
    size_min = draw(st.integers(2, 6))
    size_max = draw(st.integers(size_min, size_min + 3))
    return Pool(cands, governed_by, {o: f"Org {o}" for o in orgs}), size_min, size_max


def _chain_load(pool):
    lines = Lines(pool.governed_by)
    per_org = {}
    for c in pool.candidates:
        per_org[c.organisation_id] = per_org.get(c.organisation_id, 0) + 1
    return max((sum(per_org.get(o, 0) for o in lines.chain(org)) for org in per_org), default=0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), st.lists(st.lists(st.integers(0, 89), max_size=8), max_size=6))
def test_compose_never_breaks_a_hard_rule_and_explains_when_it_cannot(case, history):
    pool, size_min, size_max = case
    proposal = compose_groups(pool, size_min, size_max, history=history, improve_steps=200)
    lines = Lines(pool.governed_by)
    by_id = {c.id: c for c in pool.candidates}
    if proposal.feasible:
        groups = [[by_id[i] for i in g.member_ids] for g in proposal.groups]
        assert hard_rule_violations(groups, lines) == []
        placed = [i for g in proposal.groups for i in g.member_ids]
        assert sorted(placed) == sorted(by_id)  # everyone placed exactly once
        assert all(size_min <= len(g.member_ids) <= size_max for g in proposal.groups)
        assert all(0.0 <= g.score <= 1.0 for g in proposal.groups)
    else:
        assert proposal.groups == []
        assert all(isinstance(p, str) and p for p in proposal.problems)
    n = len(pool.candidates)
    if n >= size_min and _chain_load(pool) > n // size_min:
        # A line of command with more leaders than there can be groups: must be reported.
        assert not proposal.feasible


def test_infeasible_pool_names_the_overloaded_line_and_the_group_count():
    governed_by = {1: None, 2: 1, 3: None, 4: None}
    names = {1: "Byrådsavdeling for helse", 2: "Bydel Frogner", 3: "Kulturetaten", 4: "Vann- og avløpsetaten"}
    cands = [Candidate(i, 1 if i < 3 else 2 if i < 6 else 3 if i < 9 else 4) for i in range(12)]
    proposal = compose_groups(Pool(cands, governed_by, names), 6, 8)
    assert not proposal.feasible
    text = " ".join(proposal.problems)
    assert "Byrådsavdeling for helse › Bydel Frogner" in text
    assert "6 leaders" in text and "at most 2 groups" in text


def test_too_small_pool_is_explained():
    proposal = compose_groups(Pool([Candidate(1, 1), Candidate(2, 2)], {1: None, 2: None}), 6, 8)
    assert not proposal.feasible and "at least 6" in proposal.problems[0]


def test_two_districts_under_one_department_may_share_a_group_but_not_with_the_department():
    lines = Lines({1: None, 2: 1, 3: 1, 4: 2})
    assert not lines.same_line(2, 3)
    assert lines.same_line(1, 4)  # transitively governed
    assert lines.same_line(4, 1)
    assert lines.same_line(2, 2)


def test_compose_spreads_sectors_and_mixes_new_leaders():
    governed_by = {o: None for o in range(24)}
    cands = [Candidate(i, organisation_id=i, sector_id=i % 4, is_new=i % 4 == 0) for i in range(24)]
    proposal = compose_groups(Pool(cands, governed_by), 6, 6)
    assert proposal.feasible and len(proposal.groups) == 4
    by_id = {c.id: c for c in cands}
    for g in proposal.groups:
        members = [by_id[i] for i in g.member_ids]
        assert len({m.sector_id for m in members}) == 4
        assert any(m.is_new for m in members) and not all(m.is_new for m in members)


def test_compose_keeps_earlier_groupmates_apart_when_it_can():
    governed_by = {o: None for o in range(16)}
    cands = [Candidate(i, organisation_id=i, sector_id=0) for i in range(16)]
    earlier = [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]
    proposal = compose_groups(Pool(cands, governed_by), 8, 8, history=earlier)
    for g in proposal.groups:
        repeats = [p for p in combinations(g.member_ids, 2) if (p[0] < 8) == (p[1] < 8)]
        assert len(repeats) <= 12  # 4+4 split gives 12 repeat pairs; all-repeat would give 28
    assert all(g.score > 0.5 for g in proposal.groups)


# --------------------------------------------------------------------------- pairs
def _brute_force(mentors, mentees, governed_by):
    """Best (number matched, total score) over every assignment of mentees to mentor slots."""
    lines = Lines(governed_by)
    slots = [m for m in mentors for _ in range(m.capacity)] + [None] * len(mentees)
    best = (0, 0.0)
    for perm in permutations(range(len(slots)), len(mentees)):
        count, total = 0, 0.0
        for e, s in zip(mentees, perm, strict=True):
            m = slots[s]
            if m is None or not pair_allowed(m, e, lines):
                continue
            count += 1
            total += pair_score(m, e)
        best = max(best, (count, round(total, 6)))
    return best


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_pair_matching_is_optimal_on_small_cases(data):
    governed_by = {0: None, 1: None, 2: 0, 3: 2, 4: None}
    themes = st.frozensets(st.sampled_from(["dare", "lead", "learn", "mobilise"]), max_size=3)
    mentors = [
        Mentor(
            id=100 + i,
            organisation_id=data.draw(st.integers(0, 4)),
            sector_id=data.draw(st.integers(0, 2)),
            themes=data.draw(themes),
            capacity=data.draw(st.integers(0, 2)),
        )
        for i in range(data.draw(st.integers(1, 3)))
    ]
    mentees = [
        Mentee(
            id=200 + i,
            organisation_id=data.draw(st.integers(0, 4)),
            sector_id=data.draw(st.integers(0, 2)),
            themes=data.draw(themes),
            sectors=data.draw(st.frozensets(st.integers(0, 2), max_size=2)),
        )
        for i in range(data.draw(st.integers(1, 4)))
    ]
    result = match_pairs(mentors, mentees, governed_by)
    lines = Lines(governed_by)
    by_id = {m.id: m for m in mentors}
    mentee_by_id = {e.id: e for e in mentees}
    # never a forbidden pair, never over capacity, everyone accounted for
    assert all(pair_allowed(by_id[p.mentor_id], mentee_by_id[p.mentee_id], lines) for p in result.pairs)
    for m in mentors:
        assert sum(1 for p in result.pairs if p.mentor_id == m.id) <= m.capacity
    assert len(result.pairs) + len(result.unmatched) == len(mentees)
    assert (len(result.pairs), round(result.total_score, 6)) == _brute_force(mentors, mentees, governed_by)


def test_pair_inside_one_line_of_command_is_never_proposed_and_is_reported():
    governed_by = {1: None, 2: 1}
    result = match_pairs([Mentor(1, organisation_id=1, capacity=3)], [Mentee(2, organisation_id=2)], governed_by)
    assert result.pairs == []
    assert result.unmatched == [(2, "every mentor with free capacity is in the same organisation or line of command")]


def test_mentor_capacity_is_respected_and_leftover_mentees_reported():
    mentors = [Mentor(1, organisation_id=1, capacity=1)]
    mentees = [Mentee(10 + i, organisation_id=2 + i) for i in range(3)]
    result = match_pairs(mentors, mentees, {})
    assert len(result.pairs) == 1
    assert [why for _i, why in result.unmatched] == ["not enough mentor capacity"] * 2


def test_pair_score_prefers_wished_themes_and_sectors():
    e = Mentee(1, organisation_id=1, sector_id=1, themes=frozenset({"lead"}), sectors=frozenset({2}))
    good = Mentor(2, organisation_id=2, sector_id=2, themes=frozenset({"lead"}))
    poor = Mentor(3, organisation_id=3, sector_id=1, themes=frozenset({"dare"}))
    assert pair_score(good, e) == 1.0
    assert pair_score(poor, e) == 0.0
