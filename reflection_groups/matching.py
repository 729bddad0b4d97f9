"""Composing reflection groups and matching mentor pairs: pure functions on plain data.

No ORM in here: services build a `Pool` (or lists of `Mentor`/`Mentee`) from the database,
call these functions and save what comes back. That keeps the algorithm testable on
random pools and benchable without a database.

Hard rules (never broken; if they cannot hold, the result says why instead):
- members of a group come from distinct organisations;
- no two members are in the same line of command: the same organisation, or one
  organisation governing the other directly or through `governed_by` links.
Soft goals (scored): spread sectors, mix new (< 12 months) and experienced top leaders,
keep apart leaders who already shared a group in an earlier round.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.utils.translation import gettext as _

# Weights of the per-group diversity score (sum to 1, so the score is in [0, 1]).
W_SECTORS, W_MIX, W_FRESH = 0.5, 0.3, 0.2
FORBIDDEN_COST = 1e6  # an assignment cost no allowed pair can reach (allowed costs are in [-1, 0])


# --------------------------------------------------------------------------- lines of command
class Lines:
    """Line-of-command questions over an organisation forest (`governed_by`: org id -> parent id)."""

    def __init__(self, governed_by: dict[int, int | None], names: dict[int, str] | None = None):
        self.governed_by = dict(governed_by)
        self.names = names or {}
        self._up: dict[int, tuple[int, ...]] = {}

    def chain(self, org: int) -> tuple[int, ...]:
        """The organisation and every organisation above it, nearest first (cycle-safe)."""
        if org not in self._up:
            seen: list[int] = []
            cur: int | None = org
            while cur is not None and cur not in seen:
                seen.append(cur)
                cur = self.governed_by.get(cur)
            self._up[org] = tuple(seen)
        return self._up[org]

    def same_line(self, a: int, b: int) -> bool:
        return a == b or a in self.chain(b) or b in self.chain(a)

    def describe(self, org: int) -> str:
        return " › ".join(self.names.get(o, f"#{o}") for o in reversed(self.chain(org)))


# --------------------------------------------------------------------------- groups
@dataclass(frozen=True)
class Candidate:
    id: int
    organisation_id: int
    sector_id: int | None = None
    is_new: bool = False
    name: str = ""


@dataclass
class Pool:
    candidates: list[Candidate]
    governed_by: dict[int, int | None] = field(default_factory=dict)
    organisation_names: dict[int, str] = field(default_factory=dict)


@dataclass
class ProposedGroup:
    member_ids: list[int]
    score: float


@dataclass
class Proposal:
    groups: list[ProposedGroup]
    problems: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.problems

    @property
    def mean_score(self) -> float:
        return sum(g.score for g in self.groups) / len(self.groups) if self.groups else 0.0


def history_pairs(history: Iterable[Iterable[int]] | None) -> set[frozenset]:
    """Earlier groups (lists of leader ids) -> the set of pairs who already sat together."""
    pairs: set[frozenset] = set()
    for group in history or ():
        for a, b in combinations(sorted(set(group)), 2):
            pairs.add(frozenset((a, b)))
    return pairs


@dataclass
class _Context:
    lines: Lines
    pool_sectors: int
    new_fraction: float
    history: set[frozenset]


def group_score(members: list[Candidate], ctx: _Context) -> float:
    """Diversity score of one group in [0, 1].

    0.5 × sector spread (distinct sectors relative to what the group size and pool allow)
    + 0.3 × new/experienced mix (both present, and close to the pool's share of new leaders)
    + 0.2 × freshness (share of member pairs who did not share a group before).
    """
    size = len(members)
    if size == 0:
        return 0.0
    best = min(size, ctx.pool_sectors)
    sectors = len({m.sector_id for m in members})
    sector_part = 1.0 if best <= 1 else (sectors - 1) / (best - 1)
    new = sum(1 for m in members if m.is_new)
    if ctx.new_fraction in (0.0, 1.0):
        mix_part = 1.0
    else:
        both = 1.0 if 0 < new < size else 0.0
        expected = size * ctx.new_fraction
        mix_part = 0.5 * both + 0.5 * max(0.0, 1 - abs(new - expected) / size)
    n_pairs = size * (size - 1) // 2
    repeats = (
        sum(1 for a, b in combinations(members, 2) if frozenset((a.id, b.id)) in ctx.history) if ctx.history else 0
    )
    fresh_part = 1 - repeats / n_pairs if n_pairs else 1.0
    return round(W_SECTORS * sector_part + W_MIX * mix_part + W_FRESH * fresh_part, 4)


def hard_rule_violations(groups: list[list[Candidate]], lines: Lines) -> list[tuple[Candidate, Candidate, str]]:
    """Every pair of members that breaks a hard rule, with the reason ("same organisation"/"same line")."""
    out = []
    for members in groups:
        for a, b in combinations(members, 2):
            if a.organisation_id == b.organisation_id:
                out.append((a, b, "same_organisation"))
            elif lines.same_line(a.organisation_id, b.organisation_id):
                out.append((a, b, "same_line"))
    return out


def _infeasibility(pool: Pool, lines: Lines, size_min: int, size_max: int) -> tuple[list[str], int, int]:
    """Problems that make every proposal impossible, and the range of group counts (k_min, k_max)."""
    n = len(pool.candidates)
    if size_min < 2 or size_max < size_min:
        return [_("The size range %(min)s–%(max)s is not valid.") % {"min": size_min, "max": size_max}], 0, 0
    if n < size_min:
        return [_("The pool has %(n)s leaders; a group needs at least %(min)s.") % {"n": n, "min": size_min}], 0, 0
    k_min, k_max = math.ceil(n / size_max), n // size_min
    if k_min > k_max:
        return (
            [
                _("%(n)s leaders cannot be split into groups of %(min)s–%(max)s.")
                % {"n": n, "min": size_min, "max": size_max}
            ],
            k_min,
            k_max,
        )
    # Leaders whose organisations lie on one chain (an organisation and those above it) all
    # conflict with each other: each needs its own group.
    per_org: dict[int, int] = {}
    for c in pool.candidates:
        per_org[c.organisation_id] = per_org.get(c.organisation_id, 0) + 1
    problems = []
    worst: dict[int, int] = {}
    for org in per_org:
        load = sum(per_org.get(o, 0) for o in lines.chain(org))
        if load > k_max:
            worst[org] = load
    # Report each overloaded chain once, from its lowest organisation.
    reported = set()
    for org, load in sorted(worst.items(), key=lambda kv: -kv[1]):
        if any(org in lines.chain(other) for other in worst if other != org):
            continue
        key = lines.chain(org)
        if key in reported:
            continue
        reported.add(key)
        if len(key) == 1:
            msg = _(
                "The organisation %(line)s has %(load)s leaders in the pool, but %(n)s leaders make at most "
                "%(k)s groups of at least %(min)s; leaders from one organisation must be in different groups."
            )
        else:
            msg = _(
                "The line of command %(line)s has %(load)s leaders in the pool, but %(n)s leaders make at most "
                "%(k)s groups of at least %(min)s; leaders in one line of command must be in different groups."
            )
        problems.append(msg % {"line": lines.describe(org), "load": load, "n": n, "k": k_max, "min": size_min})
    return problems, k_min, k_max


def compose_groups(
    pool: Pool,
    size_min: int = 6,
    size_max: int = 8,
    history: Iterable[Iterable[int]] | None = None,
    *,
    seed: int = 0,
    improve_steps: int | None = None,
) -> Proposal:
    """Split the pool into groups of `size_min`–`size_max` that keep the hard rules.

    Greedy construction (most constrained leaders first, each into the feasible group that
    gains most diversity; one ejection step when every group with room conflicts), a few
    randomised restarts and group counts, then local improvement by swaps and moves that
    keep the hard rules. Returns a Proposal with `problems` (and no groups) if the rules
    cannot hold.
    """
    lines = Lines(pool.governed_by, pool.organisation_names)
    problems, k_min, k_max = _infeasibility(pool, lines, size_min, size_max)
    if problems:
        return Proposal(groups=[], problems=problems)
    cands = list(pool.candidates)
    n = len(cands)
    ids = [c.id for c in cands]
    if len(set(ids)) != n:
        return Proposal(groups=[], problems=[_("A leader appears twice in the pool.")])
    new_fraction = sum(1 for c in cands if c.is_new) / n
    ctx = _Context(lines, len({c.sector_id for c in cands}), new_fraction, history_pairs(history))
    rng = random.Random(seed)  # noqa: S311 (layout, not security)

    # conflicts[i] = indices of candidates i may not share a group with
    conflicts: list[set[int]] = [set() for _ in range(n)]
    by_org: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        by_org.setdefault(c.organisation_id, []).append(i)
    for org, members in by_org.items():
        related = [o for o in by_org if lines.same_line(org, o)]
        for i in members:
            for o in related:
                conflicts[i].update(by_org[o])
            conflicts[i].discard(i)

    max_clique = max(sum(len(by_org.get(o, ())) for o in lines.chain(org)) for org in by_org)
    best: list[list[int]] | None = None
    last_failure = None
    for k in range(max(k_min, max_clique), min(k_max, max(k_min, max_clique) + 3) + 1):
        for attempt in range(6):
            result, failure = _greedy(cands, conflicts, k, n, ctx, rng, randomise=attempt > 0)
            if result is not None:
                best = result
                break
            last_failure = failure
        if best is not None:
            break
    if best is None:
        c = cands[last_failure] if last_failure is not None else None
        if c is None:
            return Proposal(groups=[], problems=[_("No grouping keeps the hard rules.")])
        msg = _(
            "No grouping keeps the hard rules: %(name)s (%(line)s) shares a line of command with someone in "
            "every group that has room. Enlarge the pool, widen the size range or take leaders from this line "
            "out of the pool."
        )
        return Proposal(groups=[], problems=[msg % {"name": c.name or c.id, "line": lines.describe(c.organisation_id)}])
    groups = _improve(best, cands, conflicts, ctx, rng, size_min, size_max, improve_steps)
    out = [
        ProposedGroup(member_ids=[cands[i].id for i in g], score=group_score([cands[i] for i in g], ctx))
        for g in groups
    ]
    out.sort(key=lambda g: -g.score)
    return Proposal(groups=out)


def _greedy(cands, conflicts, k, n, ctx, rng, *, randomise: bool):
    base, extra = divmod(n, k)
    capacity = [base + (1 if j < extra else 0) for j in range(k)]
    groups: list[list[int]] = [[] for _ in range(k)]
    sectors: list[dict] = [{} for _ in range(k)]
    new_counts = [0] * k
    order = list(range(n))
    noise = {i: rng.random() for i in order} if randomise else {i: 0.0 for i in order}
    order.sort(key=lambda i: (-len(conflicts[i]), noise[i], cands[i].id))

    def gain(i, j):
        c = cands[i]
        g = 1.0 if c.sector_id not in sectors[j] else 0.0
        expected = capacity[j] * ctx.new_fraction
        if c.is_new:
            g += 0.6 if new_counts[j] < expected else -0.3
        else:
            g += 0.6 if (len(groups[j]) - new_counts[j]) < capacity[j] - expected else -0.3
        if ctx.history:
            g -= sum(1.0 for m in groups[j] if frozenset((c.id, cands[m].id)) in ctx.history)
        return g - 0.01 * len(groups[j]) + (0.05 * rng.random() if randomise else 0.0)

    def place(i, j):
        groups[j].append(i)
        sectors[j][cands[i].sector_id] = sectors[j].get(cands[i].sector_id, 0) + 1
        new_counts[j] += cands[i].is_new

    def remove(i, j):
        groups[j].remove(i)
        s = cands[i].sector_id
        sectors[j][s] -= 1
        if not sectors[j][s]:
            del sectors[j][s]
        new_counts[j] -= cands[i].is_new

    for i in order:
        options = [j for j in range(k) if len(groups[j]) < capacity[j] and not conflicts[i].intersection(groups[j])]
        if options:
            place(i, max(options, key=lambda j: gain(i, j)))
            continue
        # Ejection: put i into a full group it fits, moving one member of it somewhere with room.
        done = False
        for j in range(k):
            if conflicts[i].intersection(groups[j]):
                continue
            for m in list(groups[j]):
                for h in range(k):
                    if h != j and len(groups[h]) < capacity[h] and not conflicts[m].intersection(groups[h]):
                        remove(m, j)
                        place(m, h)
                        place(i, j)
                        done = True
                        break
                if done:
                    break
            if done:
                break
        if not done:
            return None, i
    return groups, None


def _improve(groups, cands, conflicts, ctx, rng, size_min, size_max, steps):
    """Random swaps and moves between groups, kept when they keep the rules and raise the total score."""
    k = len(groups)
    if k < 2:
        return groups
    scores = [group_score([cands[i] for i in g], ctx) for g in groups]
    steps = steps if steps is not None else min(6000, 25 * len(cands))
    for _step in range(steps):
        a, b = rng.sample(range(k), 2)
        ga, gb = groups[a], groups[b]
        i = rng.choice(ga)
        if rng.random() < 0.25 and len(ga) > size_min and len(gb) < size_max:
            if conflicts[i].intersection(gb):
                continue
            na, nb = [x for x in ga if x != i], gb + [i]
        else:
            j = rng.choice(gb)
            rest_a = [x for x in ga if x != i]
            rest_b = [x for x in gb if x != j]
            if conflicts[j].intersection(rest_a) or conflicts[i].intersection(rest_b):
                continue
            na, nb = rest_a + [j], rest_b + [i]
        sa, sb = group_score([cands[x] for x in na], ctx), group_score([cands[x] for x in nb], ctx)
        if sa + sb > scores[a] + scores[b] + 1e-9:
            groups[a], groups[b], scores[a], scores[b] = na, nb, sa, sb
    return groups


# --------------------------------------------------------------------------- mentor pairs
@dataclass(frozen=True)
class Mentor:
    id: int
    organisation_id: int
    sector_id: int | None = None
    themes: frozenset = frozenset()
    capacity: int = 1
    name: str = ""


@dataclass(frozen=True)
class Mentee:
    id: int
    organisation_id: int
    sector_id: int | None = None
    themes: frozenset = frozenset()
    sectors: frozenset = frozenset()  # sectors the mentee would like a mentor from
    name: str = ""


@dataclass
class PairMatch:
    mentor_id: int
    mentee_id: int
    score: float


@dataclass
class PairingResult:
    pairs: list[PairMatch]
    unmatched: list[tuple[int, str]]  # (mentee id, why)

    @property
    def total_score(self) -> float:
        return sum(p.score for p in self.pairs)


def pair_score(mentor: Mentor, mentee: Mentee) -> float:
    """How well a mentor fits a mentee, in [0, 1].

    0.5 × share of the mentee's wished themes the mentor offers (0.5 if no wish)
    + 0.3 × mentor from a wished sector (0.5 if no wish)
    + 0.2 × sector distance (1 if the mentor works in another sector: a view from outside).
    """
    themes = len(mentor.themes & mentee.themes) / len(mentee.themes) if mentee.themes else 0.5
    wish = (1.0 if mentor.sector_id in mentee.sectors else 0.0) if mentee.sectors else 0.5
    distance = 1.0 if mentor.sector_id != mentee.sector_id else 0.0
    return round(0.5 * themes + 0.3 * wish + 0.2 * distance, 6)


def pair_allowed(mentor: Mentor, mentee: Mentee, lines: Lines) -> bool:
    return mentor.id != mentee.id and not lines.same_line(mentor.organisation_id, mentee.organisation_id)


def match_pairs(
    mentors: list[Mentor],
    mentees: list[Mentee],
    governed_by: dict[int, int | None] | None = None,
) -> PairingResult:
    """Optimal assignment of mentees to mentor slots (a mentor appears once per unit of capacity).

    Maximises first the number of mentees with an allowed mentor, then the total score.
    Forbidden pairs (same organisation or line of command) get a prohibitive cost and are
    then dropped, so they are never proposed; those mentees are reported unmatched.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    lines = Lines(governed_by or {})
    slots = [m for m in mentors for _ in range(max(0, m.capacity))]
    if not mentees:
        return PairingResult(pairs=[], unmatched=[])
    if not slots:
        return PairingResult(pairs=[], unmatched=[(e.id, _("no mentor has capacity")) for e in mentees])
    cost = np.empty((len(mentees), len(slots)))
    allowed = np.zeros((len(mentees), len(slots)), dtype=bool)
    for r, e in enumerate(mentees):
        for c, m in enumerate(slots):
            if pair_allowed(m, e, lines):
                allowed[r, c] = True
                cost[r, c] = -pair_score(m, e)
            else:
                cost[r, c] = FORBIDDEN_COST
    rows, cols = linear_sum_assignment(cost)
    pairs, matched = [], set()
    for r, c in zip(rows, cols, strict=True):
        if allowed[r, c]:
            pairs.append(PairMatch(mentor_id=slots[c].id, mentee_id=mentees[r].id, score=-float(cost[r, c])))
            matched.add(r)
    unmatched = []
    for r, e in enumerate(mentees):
        if r in matched:
            continue
        if not allowed[r].any():
            unmatched.append(
                (e.id, _("every mentor with free capacity is in the same organisation or line of command"))
            )
        else:
            unmatched.append((e.id, _("not enough mentor capacity")))
    return PairingResult(pairs=pairs, unmatched=unmatched)


# --------------------------------------------------------------------------- networks by interest
@dataclass
class ProposedNetwork:
    theme: str
    member_ids: list[int]
    score: float


@dataclass
class NetworkProposal:
    networks: list[ProposedNetwork]
    # leader id -> which of their choices they got: 1 = first choice, 2 = second, …; 0 = they
    # had no preference; None = none of their choices could be kept (every one was closed).
    ranks: dict[int, int | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.problems

    @property
    def first_choices(self) -> int:
        return sum(1 for r in self.ranks.values() if r == 1)


def splittable(n: int, size_min: int, size_max: int) -> bool:
    """Can n leaders make groups that are all size_min–size_max large (0: no group at all)?"""
    return n == 0 or (n >= size_min and math.ceil(n / size_max) <= n // size_min)


def compose_networks(
    pool: Pool,
    choices: dict[int, list[str]],
    themes: list[str],
    size_min: int = 5,
    size_max: int = 8,
    *,
    seed: int = 0,
    improve_steps: int | None = None,
) -> NetworkProposal:
    """Put every leader of the pool in a network group of a theme they chose.

    `choices[id]` is the leader's themes in order of preference (missing or empty: no
    preference). Each leader starts at their first choice; a theme with too few takers is
    filled by leaders without a preference, or else closed, and its takers go to their next
    choice; then each theme's leaders are split into groups of `size_min`–`size_max` with
    `compose_groups` (the hard rules: distinct organisations, no line of command). When a
    theme cannot keep the hard rules, a leader of the overloaded line moves to their next
    open choice (or, without a preference, to any theme). The result says for each leader
    which choice they got; `problems` (and no networks) when the rules cannot hold.
    """
    ids = [c.id for c in pool.candidates]
    if len(set(ids)) != len(ids):
        return NetworkProposal(networks=[], problems=[_("A leader appears twice in the pool.")])
    themes = list(dict.fromkeys(t for t in themes if t))
    if not (2 <= size_min <= size_max):
        return NetworkProposal(
            networks=[],
            problems=[_("The size range %(min)s–%(max)s is not valid.") % {"min": size_min, "max": size_max}],
        )
    if not themes:
        return NetworkProposal(networks=[], problems=[_("Give at least one theme.")])
    if len(ids) < size_min:
        return NetworkProposal(
            networks=[],
            problems=[
                _("The pool has %(n)s leaders; a group needs at least %(min)s.") % {"n": len(ids), "min": size_min}
            ],
        )
    by_id = {c.id: c for c in pool.candidates}
    prefs = {i: list(dict.fromkeys(t for t in choices.get(i, ()) if t in themes)) for i in ids}
    lines = Lines(pool.governed_by, pool.organisation_names)
    ok = lambda n: splittable(n, size_min, size_max)  # noqa: E731
    open_themes = list(themes)
    theme_of: dict[int, str] = {}
    forced: dict[int, str] = {}  # a leader moved to a later choice to make the counts work

    def options(i: int) -> list[str]:
        """The open themes leader i may be given, best first (every theme without a preference)."""
        return [t for t in prefs[i] if t in open_themes] if prefs[i] else list(open_themes)

    passes = 0
    while True:
        passes += 1
        if not open_themes:
            return NetworkProposal(
                networks=[],
                problems=[
                    _("Too few leaders chose each theme to make even one network of %(min)s.") % {"min": size_min}
                ],
            )
        counts = dict.fromkeys(open_themes, 0)
        flexible = []
        for i in ids:
            mine = options(i) if prefs[i] else []
            if forced.get(i) in open_themes:
                mine = [forced[i]]
            if mine:
                theme_of[i] = mine[0]
                counts[mine[0]] += 1
            else:
                flexible.append(i)  # no preference, or every choice closed
        # Leaders without a (remaining) preference fill the themes that lack takers first,
        # then join the smallest theme, keeping every theme's count splittable where possible.
        for i in flexible:
            short = [t for t in open_themes if 0 < counts[t] < size_min]
            fixable = [t for t in open_themes if counts[t] and not ok(counts[t]) and ok(counts[t] + 1)]
            target = (short or fixable or sorted(open_themes, key=lambda t: (counts[t] == 0, counts[t])))[0]
            theme_of[i] = target
            counts[target] += 1
        bad = [t for t in open_themes if not ok(counts[t])]
        if not bad:
            break
        # A theme whose count cannot make groups: move one taker with another open choice to a
        # theme where the move keeps both counts splittable; otherwise close the smallest.
        move = None
        if passes <= len(ids):
            move = next(
                (
                    (i, u)
                    for t in bad
                    for i in ids
                    if theme_of[i] == t and prefs[i]
                    for u in options(i)
                    if u != t and ok(counts[t] - 1) and ok(counts[u] + 1)
                ),
                None,
            )
        if move:
            forced[move[0]] = move[1]
        else:
            open_themes.remove(min(bad, key=lambda t: (counts[t], themes.index(t))))

    # Split each theme into groups; repair a theme whose hard rules cannot hold.
    networks: list[ProposedNetwork] = []
    for _attempt in range(len(ids) + 1):
        networks, failing = [], None
        members_of: dict[str, list[Candidate]] = {t: [] for t in open_themes}
        for i in ids:
            members_of[theme_of[i]].append(by_id[i])
        for t in open_themes:
            if not members_of[t]:
                continue
            proposal = compose_groups(
                Pool(members_of[t], pool.governed_by, pool.organisation_names),
                size_min,
                size_max,
                seed=seed,
                improve_steps=improve_steps,
            )
            if not proposal.feasible:
                failing = (t, proposal.problems)
                break
            networks.extend(ProposedNetwork(t, g.member_ids, g.score) for g in proposal.groups)
        if failing is None:
            break
        t, problems = failing
        members = members_of[t]
        k_max = len(members) // size_min
        load = {m.id: sum(1 for o in members if lines.same_line(m.organisation_id, o.organisation_id)) for m in members}
        movers = sorted((m for m in members if load[m.id] > k_max), key=lambda m: (-load[m.id], m.id))
        counts = {u: len(members_of[u]) for u in open_themes}
        done = False
        for m in movers:
            for u in options(m.id):
                if u != t and ok(counts[t] - 1) and ok(counts[u] + 1):
                    theme_of[m.id] = u
                    done = True
                    break
            if done:
                break
        if not done:
            break
    if failing is not None:
        t, problems = failing
        return NetworkProposal(
            networks=[], problems=[_("Theme %(theme)s: %(problem)s") % {"theme": t, "problem": p} for p in problems]
        )
    ranks: dict[int, int | None] = {}
    original = {i: list(dict.fromkeys(t for t in choices.get(i, ()) if t in themes)) for i in ids}
    for i in ids:
        if not original[i]:
            ranks[i] = 0
        elif theme_of[i] in original[i]:
            ranks[i] = original[i].index(theme_of[i]) + 1
        else:
            ranks[i] = None
    networks.sort(key=lambda n: (themes.index(n.theme), -n.score))
    return NetworkProposal(networks=networks, ranks=ranks)
