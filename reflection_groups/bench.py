"""Figures for `make bench`: composing and matching on synthetic pools (no database).

    python -m reflection_groups.bench

Prints: time to compose 400 leaders and to match 60 mentees to 40 mentors, hard-rule
violations (must be 0), mean diversity score, and on small pools the ratio of our score
to the exhaustive optimum (groups: every split of 12 leaders into two groups of 6; pairs:
every assignment, which linear_sum_assignment must equal: ratio 1.0).
"""

from __future__ import annotations

import os
import random
import time
from itertools import combinations, permutations


def _world(rng: random.Random, n_leaders: int, n_orgs: int = 60, n_depts: int = 8):
    from reflection_groups.matching import Candidate, Pool

    governed_by = {d: None for d in range(n_depts)}
    for o in range(n_depts, n_orgs):
        governed_by[o] = rng.randrange(n_depts)
    sector = {o: (o if governed_by[o] is None else governed_by[o]) for o in governed_by}
    cands = []
    for i in range(n_leaders):
        org = rng.randrange(n_orgs)
        cands.append(Candidate(id=i, organisation_id=org, sector_id=sector[org], is_new=rng.random() < 0.2))
    return Pool(cands, governed_by)


def _exhaustive_two_groups(pool, size):
    from reflection_groups.matching import Lines, _Context, group_score, history_pairs

    lines = Lines(pool.governed_by)
    cands = pool.candidates
    ctx = _Context(
        lines, len({c.sector_id for c in cands}), sum(c.is_new for c in cands) / len(cands), history_pairs(None)
    )
    best = None
    first = cands[0]
    rest = cands[1:]
    for combo in combinations(rest, size - 1):
        a = [first, *combo]
        ids = {c.id for c in a}
        b = [c for c in cands if c.id not in ids]
        ok = all(
            not lines.same_line(x.organisation_id, y.organisation_id) for g in (a, b) for x, y in combinations(g, 2)
        )
        if ok:
            score = group_score(a, ctx) + group_score(b, ctx)
            best = score if best is None else max(best, score)
    return best


def run() -> dict:
    import scipy.optimize  # noqa: F401 (imported before timing: the import is not the matching)

    from reflection_groups.matching import (
        Lines,
        Mentee,
        Mentor,
        compose_groups,
        hard_rule_violations,
        match_pairs,
        pair_allowed,
        pair_score,
    )

    rng = random.Random(2026)  # noqa: S311
    out = {}
    pool = _world(rng, 400)
    t = time.perf_counter()
    proposal = compose_groups(pool, 6, 8)
    out["compose_400_seconds"] = round(time.perf_counter() - t, 3)
    by_id = {c.id: c for c in pool.candidates}
    groups = [[by_id[i] for i in g.member_ids] for g in proposal.groups]
    out["compose_400_groups"] = len(groups)
    out["compose_400_violations"] = len(hard_rule_violations(groups, Lines(pool.governed_by)))
    out["compose_400_mean_score"] = round(proposal.mean_score, 3)

    ratios = []
    for _ in range(20):
        small = _world(rng, 12, n_orgs=30, n_depts=6)
        best = _exhaustive_two_groups(small, 6)
        if best is None:
            continue
        ours = compose_groups(small, 6, 6)
        if ours.feasible:
            ratios.append(sum(g.score for g in ours.groups) / best if best else 1.0)
    out["compose_small_vs_optimum_mean_ratio"] = round(sum(ratios) / len(ratios), 3) if ratios else None
    out["compose_small_vs_optimum_min_ratio"] = round(min(ratios), 3) if ratios else None

    themes = ["dare", "lead", "learn", "mobilise", "collaborate", "governance_dialogue"]
    governed_by = {d: None for d in range(8)} | {o: rng.randrange(8) for o in range(8, 60)}

    def mentor(i):
        return Mentor(i, rng.randrange(60), rng.randrange(8), frozenset(rng.sample(themes, 3)), rng.choice([1, 2]))

    def mentee(i):
        return Mentee(
            i, rng.randrange(60), rng.randrange(8), frozenset(rng.sample(themes, 2)), frozenset({rng.randrange(8)})
        )

    mentors = [mentor(1000 + i) for i in range(40)]
    mentees = [mentee(i) for i in range(60)]
    t = time.perf_counter()
    result = match_pairs(mentors, mentees, governed_by)
    out["match_60x40_seconds"] = round(time.perf_counter() - t, 3)
    lines = Lines(governed_by)
    mm = {m.id: m for m in mentors}
    ee = {e.id: e for e in mentees}
    out["match_60x40_pairs"] = len(result.pairs)
    out["match_60x40_violations"] = sum(
        1 for p in result.pairs if not pair_allowed(mm[p.mentor_id], ee[p.mentee_id], lines)
    )
    out["match_60x40_mean_score"] = round(result.total_score / len(result.pairs), 3) if result.pairs else None

    ratios = []
    for _ in range(20):
        ms = [mentor(1000 + i) for i in range(3)]
        es = [mentee(i) for i in range(4)]
        res = match_pairs(ms, es, governed_by)
        slots = [m for m in ms for _ in range(m.capacity)] + [None] * len(es)
        best = (0, 0.0)
        for perm in permutations(range(len(slots)), len(es)):
            count = total = 0
            for e, s in zip(es, perm, strict=True):
                if slots[s] is not None and pair_allowed(slots[s], e, lines):
                    count += 1
                    total += pair_score(slots[s], e)
            best = max(best, (count, total))
        if best[1]:
            ratios.append(res.total_score / best[1])
    out["match_small_vs_optimum_min_ratio"] = round(min(ratios), 6) if ratios else None
    return out


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "toppleder.settings")
    import django

    django.setup()
    for k, v in run().items():
        print(f"{k}: {v}")
