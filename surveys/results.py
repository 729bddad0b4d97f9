"""Survey results with k-anonymity: aggregation in the database, suppression in one place.

Rules (k = settings.SURVEY_MIN_RESPONDENTS, default 5):

1. Primary suppression: a cell (question or dimension × segment) with n < k shows no figure.
2. Complementary suppression: the survey total is shown, so one hidden cell could be
   recovered as "total minus the other cells". Whenever anything is hidden in a row we
   keep hiding the next-smallest cell until at least two cells are hidden AND together
   they hold at least k respondents: what subtraction yields is then a group of ≥ k.
3. The segment hidden-set is computed from respondent counts per segment and applied to
   every row, so a cell hidden in one row cannot be recovered from another row.
4. A segment asked for through URL parameters is shown only if it is visible in the
   breakdown; otherwise "too few answers", no figures.
5. While a survey is open nothing but the response count is shown: seeing n=6 on Monday
   and n=7 on Tuesday would reveal Tuesday's answers by subtraction.
6. Free text is shown only when the survey's n ≥ k, in random order, never per segment.
7. Wave comparison (baseline vs follow-up, per dimension) is hidden for a row when either
   wave has n < k, when the row is hidden in either wave's breakdown, or when the
   segment's n changed by 1…k-1 between waves (a difference attack).
8. Every figure derived for a change (its 95 % interval and verdict) follows rule 7: a
   hidden row has no interval, and an interval is computed only from groups of ≥ k.
9. A factor's figure is the mean of its items; its internal consistency (Cronbach's α over
   the respondents who answered every item of the factor) is shown only for the whole wave,
   never per segment, and only when those respondents are ≥ k.
"""

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from programmes.models import MeasureArea, Session
from surveys import stats
from surveys.models import (
    LIKERT_MAX,
    LIKERT_MIN,
    Action,
    Answer,
    Question,
    Response,
    Survey,
    dimension_choices,
    dimension_label,
)
from toppleder.models import Leader, Organisation, Sector

# URL value -> Response column.
SEGMENTS = {"sector": "sector_code", "org_kind": "org_kind", "level": "leader_level"}
SEGMENT_LABELS = {"sector": _("Sector"), "org_kind": _("Organisation kind"), "level": _("Leader level")}
SCALE = list(range(LIKERT_MIN, LIKERT_MAX + 1))


def min_respondents() -> int:
    return int(getattr(settings, "SURVEY_MIN_RESPONDENTS", 5))


def suppressed_keys(counts: dict, k: int) -> set:
    """Primary + complementary suppression over one row of cells {key: n}."""
    hidden = {key for key, n in counts.items() if n < k}
    if not hidden:
        return hidden
    while len(hidden) < len(counts) and (len(hidden) < 2 or sum(counts[h] for h in hidden) < k):
        nxt = min((key for key in counts if key not in hidden), key=lambda key: (counts[key], str(key)))
        hidden.add(nxt)
    return hidden


@dataclass
class Cell:
    n: int = 0
    total: int = 0  # sum of values
    distribution: dict = field(default_factory=lambda: {v: 0 for v in SCALE})
    suppressed: bool = False

    @property
    def mean(self):
        if self.suppressed or not self.n:
            return None
        answered = sum(self.distribution.values())
        return self.total / answered if answered else None

    @property
    def shares(self) -> list[tuple[int, int, int]]:
        """(value, count, percent) for the distribution, or [] when suppressed."""
        if self.suppressed:
            return []
        answered = sum(self.distribution.values()) or 1
        return [(v, c, round(100 * c / answered)) for v, c in sorted(self.distribution.items())]

    def add(self, value: int, count: int) -> None:
        self.distribution[value] = self.distribution.get(value, 0) + count
        self.total += value * count

    def hide(self) -> None:
        self.suppressed = True


@dataclass
class Row:
    key: object  # question id or dimension key
    label: str
    overall: Cell
    cells: dict  # segment value -> Cell
    question: Question | None = None
    ordered_cells: list = field(default_factory=list)  # cells in segment_values order
    items: list = field(default_factory=list)  # a dimension's question rows
    alpha: float | None = None  # Cronbach's α of a dimension's items (whole wave only)

    @property
    def alpha_low(self) -> bool:
        return self.alpha is not None and self.alpha < stats.ALPHA_WARNING_BELOW


@dataclass
class Results:
    survey: Survey
    k: int
    invited: int
    answered: int
    n: int
    available: bool
    reason: str
    segment: str | None
    segment_values: list  # [(value, label, visible)]
    questions: list
    dimensions: list
    free_texts: list  # [(question, [texts])]
    selected_value: object = None
    selected_hidden: bool = False
    stamp: str = ""  # what the figures were computed from (results.figures), for keys of pages built on them


def _segment_labels(segment: str) -> dict:
    if segment == "sector":
        return dict(Sector.objects.values_list("code", "name"))
    if segment == "org_kind":
        return dict(Organisation.Kind.choices)
    if segment == "level":
        return dict(Leader.Level.choices)
    return {}


def _label(labels, value):
    if value in (None, ""):
        return str(_("Unknown"))
    return str(labels.get(value, value))


def _segment_q(column: str, value) -> Q:
    """Filter answers to one segment; "" stands for "unknown" (empty or null)."""
    if value == "":
        return (
            Q(**{f"response__{column}__isnull": True}) | Q(**{f"response__{column}": ""})
            if column != "leader_level"
            else Q(**{f"response__{column}__isnull": True})
        )
    return Q(**{f"response__{column}": value})


def parse_segment(segment: str | None, value: str | None):
    """Clean GET params: (segment or None, typed value or None). Unknown -> (None, None)."""
    if segment not in SEGMENTS:
        return None, None
    if value in (None, ""):
        return segment, None
    if segment == "level":
        try:
            return segment, int(value)
        except ValueError:
            return segment, "__invalid__"
    return segment, value


def _sql(qs) -> tuple[str, tuple]:
    """A queryset's SQL and parameters, to aggregate over it once more in the database."""
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _alphas(survey: Survey, likert: list, k: int) -> dict:
    """Cronbach's α per dimension with two or more items, over the respondents who answered
    all of them, when they are ≥ k. One query: the database sums each item's values and
    squares over those respondents, and their totals per dimension (no answer comes to Python)."""
    items_of: dict = {}
    for q in likert:
        items_of.setdefault(q.dimension, []).append(q.pk)
    multi = {dim: ids for dim, ids in items_of.items() if len(ids) >= 2}
    if not multi:
        return {}
    answers = Answer.objects.filter(
        response__survey=survey, question_id__in=[i for ids in multi.values() for i in ids], value__isnull=False
    ).values(rid=F("response_id"), dim=F("question__dimension"), qid=F("question_id"), v=F("value"))
    inner, params = _sql(answers.order_by())
    complete = " ".join("WHEN %s THEN %s" for _dim in multi)
    sql = (
        f"WITH a AS ({inner}), "  # noqa: S608 (the ORM's own SQL; values are parameters)
        f"done AS (SELECT rid, dim, SUM(v) AS total FROM a GROUP BY rid, dim "
        f"HAVING COUNT(*) = CASE dim {complete} END) "
        "SELECT a.dim, a.qid, COUNT(*), SUM(a.v), SUM(a.v * a.v) FROM a "
        "JOIN done ON done.rid = a.rid AND done.dim = a.dim GROUP BY a.dim, a.qid "
        "UNION ALL SELECT dim, NULL, COUNT(*), SUM(total), SUM(total * total) FROM done GROUP BY dim"
    )
    cases = tuple(x for dim, ids in multi.items() for x in (dim, len(ids)))
    item_vars: dict = {}
    totals: dict = {}
    for dim, qid, n, total, squares in _rows(sql, params + cases):
        figures = stats.mean_var_of_sums(n, total, squares)
        if qid is None:
            totals[dim] = figures
        else:
            item_vars.setdefault(dim, []).append(figures[2])
    out = {}
    for dim, (n, _mean, total_var) in totals.items():
        if n >= k and len(item_vars.get(dim, ())) == len(multi[dim]):
            out[dim] = stats.cronbach_alpha_of(item_vars[dim], total_var)
    return out


def survey_results(survey: Survey, *, segment: str | None = None, value=None, k: int | None = None) -> Results:
    """Everything the results page, the CSV and PDFs may show, already suppressed."""
    k = k or min_respondents()
    segment, value = parse_segment(segment, value if value is None else str(value))
    column = SEGMENTS.get(segment)
    counts = survey.invitations.aggregate(invited=Count("id"), answered=Count("id", filter=Q(answered=True)))
    invited, answered = counts["invited"], counts["answered"]

    per_segment: dict = {}
    if column:
        for row in Response.objects.filter(survey=survey).values(column).annotate(n=Count("id")).order_by():
            per_segment[row[column] if row[column] is not None else ""] = row["n"]
        n = sum(per_segment.values())
    else:
        n = Response.objects.filter(survey=survey).count()

    results = Results(
        survey=survey,
        k=k,
        invited=invited,
        answered=answered,
        n=n,
        available=False,
        reason="",
        segment=segment,
        segment_values=[],
        questions=[],
        dimensions=[],
        free_texts=[],
    )
    if not survey.is_closed:
        results.reason = "open"
        return results
    if n < k:
        results.reason = "too_few"
        return results
    results.available = True

    segment_hidden = suppressed_keys(per_segment, k) if column else set()
    labels = _segment_labels(segment) if column else {}
    results.segment_values = [
        (key, _label(labels, key), key not in segment_hidden)
        for key in sorted(per_segment, key=lambda x: str(_label(labels, x)))
    ]
    if column and value is not None:
        results.selected_value = value
        results.selected_hidden = value not in per_segment or value in segment_hidden

    questions = list(survey.questionnaire.questions.order_by("order"))
    likert = [q for q in questions if q.is_likert]

    # One grouped query: answer counts per question × segment × value.
    group = ["question_id", "value"] + ([f"response__{column}"] if column else [])
    q_rows = {q.pk: Row(key=q.pk, label=q.text, overall=Cell(), cells={}, question=q) for q in likert}
    dim_order = []
    for q in likert:
        if q.dimension not in dim_order:
            dim_order.append(q.dimension)
    d_rows = {d: Row(key=d, label=dimension_label(d), overall=Cell(), cells={}) for d in dim_order}
    dim_of = {q.pk: q.dimension for q in likert}
    agg = (
        Answer.objects.filter(
            response__survey=survey,
            question__questionnaire_id=survey.questionnaire_id,
            question__kind=Question.Kind.LIKERT,
            value__isnull=False,
        )
        .values(*group)
        .annotate(c=Count("id"))
        .order_by()
    )
    for row in agg:
        seg = (row[f"response__{column}"] if row[f"response__{column}"] is not None else "") if column else None
        qrow = q_rows[row["question_id"]]
        drow = d_rows[dim_of[row["question_id"]]]
        for target in (qrow, drow):
            target.overall.add(row["value"], row["c"])
            if column:
                target.cells.setdefault(seg, Cell()).add(row["value"], row["c"])
    for qrow in q_rows.values():
        qrow.overall.n = sum(qrow.overall.distribution.values())
        for cell in qrow.cells.values():
            cell.n = sum(cell.distribution.values())

    # Respondents per dimension (× segment). Every respondent answers every required item,
    # so for an all-required dimension n is its items' n; only dimensions with optional
    # items need the (costlier) distinct count in the database.
    optional_dims = {q.dimension for q in likert if not q.required}
    for q in likert:
        if q.dimension in optional_dims:
            continue
        drow, qrow = d_rows[q.dimension], q_rows[q.pk]
        drow.overall.n = max(drow.overall.n, qrow.overall.n)
        for seg, cell in qrow.cells.items():
            dcell = drow.cells.setdefault(seg, Cell())
            dcell.n = max(dcell.n, cell.n)
    if optional_dims:
        dgroup = ["question__dimension"] + ([f"response__{column}"] if column else [])
        for row in (
            Answer.objects.filter(
                response__survey=survey,
                question__questionnaire_id=survey.questionnaire_id,
                question__kind=Question.Kind.LIKERT,
                question__dimension__in=optional_dims,
                value__isnull=False,
            )
            .values(*dgroup)
            .annotate(n=Count("response_id", distinct=True))
            .order_by()
        ):
            drow = d_rows[row["question__dimension"]]
            if column:
                seg = row[f"response__{column}"] if row[f"response__{column}"] is not None else ""
                drow.cells.setdefault(seg, Cell()).n = row["n"]
                drow.overall.n += row["n"]
            else:
                drow.overall.n = row["n"]

    for rowset in (q_rows.values(), d_rows.values()):
        for r in rowset:
            if r.overall.n < k:
                r.overall.hide()
            if column:
                hidden = segment_hidden | suppressed_keys({key: c.n for key, c in r.cells.items()}, k)
                for key, cell in r.cells.items():
                    if key in hidden:
                        cell.hide()
    order = [key for key, _label, _visible in results.segment_values]
    for rowset in (q_rows.values(), d_rows.values()):
        for r in rowset:
            r.ordered_cells = [r.cells.get(key) or Cell(suppressed=True) for key in order]
    for qrow in q_rows.values():
        d_rows[qrow.question.dimension].items.append(qrow)
    if not column:
        for dim, alpha in _alphas(survey, likert, k).items():
            d_rows[dim].alpha = alpha
    results.questions = list(q_rows.values())
    results.dimensions = list(d_rows.values())

    # Free text: survey-level only, shuffled so order of arrival is not shown.
    if not column:
        texts: dict = {q.pk: [] for q in questions if not q.is_likert}
        for qid, text in (
            Answer.objects.filter(response__survey=survey, question__kind=Question.Kind.FREE_TEXT)
            .exclude(text="")
            .values_list("question_id", "text")
        ):
            texts[qid].append(text)
        rng = random.SystemRandom()
        for q in questions:
            if not q.is_likert and texts[q.pk]:
                rng.shuffle(texts[q.pk])
                results.free_texts.append((q, texts[q.pk]))
    return results


# --- the figures of a closed survey, computed once --------------------------------

FIGURES_TIMEOUT = 7 * 24 * 60 * 60


def _series_with_counts(survey: Survey) -> list:
    """The survey and the other waves of its series (ordered by wave), each with how many
    were invited (`invited`), have answered (`done`) and responses stored (`responded`):
    one query."""
    from surveys.models import Invitation

    def count(qs):
        return Coalesce(Subquery(qs.values("survey_id").annotate(n=Count("pk")).values("n")), 0)

    own = {"survey_id": OuterRef("pk")}
    which = Q(pk=survey.pk)
    if _in_series(survey):
        which |= Q(
            programme_id=survey.programme_id,
            series=survey.series,
            group_ref=survey.group_ref,
            kind__in=["baseline", "follow_up"],
        )
    return list(
        Survey.objects.filter(which)
        .annotate(
            invited=count(Invitation.objects.filter(**own)),
            done=count(Invitation.objects.filter(answered=True, **own)),
            responded=count(Response.objects.filter(**own)),
        )
        .order_by("wave", "pk")
        .only(*WAVE_FIELDS)
    )


def _figures_key(survey: Survey, segment, value):
    """(k, cache key, stamp, baseline, follow-up) of the figures `figures` keeps: one query."""
    k = min_respondents()
    series = _series_with_counts(survey)
    before, after = comparison_waves(survey, series)
    ids = {survey.pk} | {w.pk for w in (before, after) if w is not None}
    counts = [(w.pk, w.invited, w.done, w.responded) for w in series if w.pk in ids]
    asked = repr((survey.pk, survey.closes_at.isoformat(), k, get_language(), segment, value, counts))
    stamp = hashlib.sha256(asked.encode()).hexdigest()[:32]
    return k, f"surveys:figures:{survey.pk}:{stamp}", stamp, before, after


def figures(survey: Survey, *, segment: str | None = None, value=None) -> tuple["Results", "Comparison"]:
    """The results page's figures: `survey_results` and its `wave_comparison`.

    A closed survey takes no more answers (services.response_submit refuses them; answers
    are never edited, and no admin lists them), so its figures, and those of the closed wave
    it is compared with, are a function of how many were invited, answered and responded in
    each. They are computed once (two aggregations over every answer) and kept under a key
    holding those counts, read fresh on every visit: a new answer or invitation gives a new
    key at the commit that made it, and nothing else (a sign-up, another survey's answers)
    makes them be computed again. What may change after closing is read again: the survey
    rows here, the sectors' names by `relabelled` (where the page is built)."""
    k, key, stamp, before, after = _figures_key(survey, segment, value)
    found = cache.get(key) if survey.is_closed else None
    if found is None:
        result = survey_results(survey, segment=segment, value=value, k=k)
        comparison = wave_comparison(survey, segment=result.segment, value=result.selected_value, k=k)
        if survey.is_closed:  # while open only the response count is shown: cheap, not kept
            cache.set(key, (result, comparison), FIGURES_TIMEOUT)
        result.stamp = stamp
        return result, comparison
    result, comparison = found
    result.survey, result.stamp = survey, stamp
    comparison.before, comparison.after = (before, after) if comparison.before is not None else (None, None)
    return result, comparison


def figures_warm(*, now=None, then=None) -> int:
    """Compute and keep the figures of the surveys that closed within `FIGURES_TIMEOUT` and
    are not kept yet, so the first visit after a survey closes finds them (beat runs this
    every few minutes: surveys close by their time passing). For every language the page
    is shown in, the whole survey (no breakdown asked), as the results page opens. The
    closed waves of a survey's series are warmed with it: a baseline is compared with the
    latest closed follow-up, so its key changes when a follow-up closes. Safe to run twice:
    what is kept already is not computed again (one count query per survey and language);
    it writes only the cache, under the key a visit reads. `then(survey, figures)` is called
    after each computation, in its language. Returns how many it computed."""
    from django.utils import translation

    now = now or timezone.now()
    closed = Q(closes_at__lte=now, closes_at__gt=now - timedelta(seconds=FIGURES_TIMEOUT))
    recent = list(Survey.objects.filter(closed).only(*WAVE_FIELDS))
    series = Q(pk__in=[])
    for s in recent:
        if _in_series(s):
            series |= Q(
                programme_id=s.programme_id, series=s.series, group_ref=s.group_ref, kind__in=["baseline", "follow_up"]
            )
    others = list(
        Survey.objects.filter(series, closes_at__lte=now).exclude(pk__in=[s.pk for s in recent]).only(*WAVE_FIELDS)
    )
    computed = 0
    for survey in recent + others:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                _k, key, *_rest = _figures_key(survey, None, None)
                if not cache.has_key(key):
                    found = figures(survey)
                    if then is not None:  # the page body built on them (surveys.views.results_body_warm)
                        then(survey, found)
                    computed += 1
    return computed


def relabelled(result: Results) -> Results:
    """`result` with its segments named as they are named now (a sector may be renamed after
    its survey closed; figures kept by `figures` carry the names of when they were computed)."""
    if result.segment_values:
        labels = _segment_labels(result.segment)
        result.segment_values = [(key, _label(labels, key), visible) for key, _old, visible in result.segment_values]
    return result


# --- wave comparison --------------------------------------------------------------


@dataclass
class ComparisonRow:
    key: str
    label: str
    n_before: int | None
    n_after: int | None
    mean_before: float | None
    mean_after: float | None
    suppressed: bool
    interval: stats.Interval | None = None  # 95 % interval of the change; None when hidden

    @property
    def change(self):
        if self.suppressed or self.mean_before is None or self.mean_after is None:
            return None
        return self.mean_after - self.mean_before

    @property
    def verdict(self) -> str:
        return self.interval.verdict if self.interval else ""

    @property
    def verdict_label(self) -> str:
        return self.interval.verdict_label if self.interval else ""


@dataclass
class Comparison:
    before: Survey | None
    after: Survey | None
    rows: list
    k: int
    segment_value: object = None
    available: bool = False


WAVE_FIELDS = (
    "pk",
    "wave",
    "title",
    "closes_at",
    "opens_at",
    "kind",
    "series",
    "programme_id",
    "questionnaire_id",
    "group_ref",
)


def _in_series(survey: Survey) -> bool:
    return bool(survey.series) and survey.kind in (Survey.Kind.BASELINE, Survey.Kind.FOLLOW_UP)


def comparison_waves(survey: Survey, waves: list | None = None):
    """(baseline, follow-up) of the survey's series, or (None, None). `waves`: the series'
    surveys as `_series_with_counts` read them (else they are read here)."""
    if not _in_series(survey):
        return None, None
    if waves is None:
        waves = list(
            Survey.objects.filter(
                programme_id=survey.programme_id,
                series=survey.series,
                group_ref=survey.group_ref,  # a group's waves are compared with the group's own
                kind__in=["baseline", "follow_up"],
            )
            .order_by("wave", "pk")
            .only(*WAVE_FIELDS)
        )
    waves = [
        w for w in waves if w.kind in ("baseline", "follow_up") and w.group_ref == survey.group_ref and w.is_closed
    ]
    if len(waves) < 2:
        return None, None
    before = waves[0]
    if survey.pk != before.pk and survey in waves:
        return before, survey
    return before, waves[-1]


def wave_comparison(survey: Survey, *, segment: str | None = None, value=None, k: int | None = None) -> Comparison:
    """Per dimension: mean before and after, change and n, with the suppression rules."""
    k = k or min_respondents()
    before, after = comparison_waves(survey)
    comp = Comparison(before=before, after=after, rows=[], k=k)
    if before is None:
        return comp
    segment, value = parse_segment(segment, None if value is None else str(value))
    column = SEGMENTS.get(segment)
    ids = [before.pk, after.pk]

    # Respondents per wave (× segment), and each wave's hidden segments.
    n_total = {before.pk: 0, after.pk: 0}
    per_seg = {before.pk: {}, after.pk: {}}
    fields = ["survey_id"] + ([column] if column else [])
    for row in Response.objects.filter(survey_id__in=ids).values(*fields).annotate(n=Count("id")).order_by():
        n_total[row["survey_id"]] += row["n"]
        if column:
            per_seg[row["survey_id"]][row[column] if row[column] is not None else ""] = row["n"]
    if n_total[before.pk] < k or n_total[after.pk] < k:
        return comp
    comp.available = True

    def n_of(survey_id):
        if column and value is not None:
            return per_seg[survey_id].get(value, 0)
        return n_total[survey_id]

    hidden_segment = False
    if column and value is not None:
        comp.segment_value = value
        for sid in ids:
            if value not in per_seg[sid] or value in suppressed_keys(per_seg[sid], k):
                hidden_segment = True
    n_b, n_a = n_of(before.pk), n_of(after.pk)
    delta = abs(n_a - n_b)
    row_hidden = hidden_segment or n_b < k or n_a < k or 0 < delta < k

    qs = Answer.objects.filter(response__survey_id__in=ids, question__kind=Question.Kind.LIKERT, value__isnull=False)
    if column and value is not None and not hidden_segment:
        qs = qs.filter(_segment_q(column, value))
    # A hidden segment is never queried: its rows come out suppressed below (row_hidden).
    # A respondent's score on a dimension is the mean of the items they answered; the means
    # and the interval are taken over these scores, so n is the number of respondents, never
    # of item answers. The database computes the scores and, over them, each wave's n, sum
    # and sum of squares per dimension: one query, a few rows (no score comes to Python).
    scores = (
        qs.values(sid=F("response__survey_id"), rid=F("response_id"), dim=F("question__dimension"))
        .annotate(score=Avg("value"))
        .order_by()
    )
    inner, params = _sql(scores)
    figures: dict = {}
    for sid, dim, n, total, squares in _rows(
        f"SELECT sid, dim, COUNT(*), SUM(score), SUM(score * score) FROM ({inner}) s GROUP BY sid, dim",  # noqa: S608
        params,
    ):
        figures[(sid, dim)] = stats.mean_var_of_sums(n, total, squares)
    dims = []
    for _sid, dim in figures:
        if dim not in dims:
            dims.append(dim)
    order = [key for key, _l in dimension_choices()]
    dims.sort(key=lambda d: order.index(d) if d in order else 99)
    none = (0, None, None)
    for dim in dims:
        fb, fa = figures.get((before.pk, dim), none), figures.get((after.pk, dim), none)
        nb, na = fb[0], fa[0]
        hidden = row_hidden or nb < k or na < k or 0 < abs(na - nb) < k
        comp.rows.append(
            ComparisonRow(
                key=dim,
                label=dimension_label(dim),
                # A hidden row carries no figures at all, not even its n or its interval.
                n_before=None if hidden else nb,
                n_after=None if hidden else na,
                mean_before=None if hidden else fb[1],
                mean_after=None if hidden else fa[1],
                suppressed=hidden,
                interval=None if hidden else stats.welch_interval_of(fb, fa),
            )
        )
    return comp


def sessions_between_waves(comp: Comparison) -> list[tuple[str, list]]:
    """Sessions held between the two waves, grouped by the measure area they serve, so the
    page can say what happened between the measurements. [(area name, [sessions])], each
    session a dict of pk, title and starts_at: one query over the sessions and their measure
    links (no model instances), one for the four areas."""
    if comp.before is None:
        return []
    rows = (
        Session.objects.filter(
            programme_id=comp.before.programme_id,
            starts_at__gte=comp.before.opens_at,
            starts_at__lt=comp.after.opens_at,
        )
        .exclude(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
        .order_by("starts_at", "pk")
        .values("pk", "title", "starts_at", "measures__area_id")
    )
    areas = {a.pk: a for a in MeasureArea.objects.all()}
    sessions: dict = {}
    for row in rows:
        entry = sessions.setdefault(
            row["pk"], ({"pk": row["pk"], "title": row["title"], "starts_at": row["starts_at"]}, set())
        )
        if row["measures__area_id"] is not None:
            entry[1].add(row["measures__area_id"])
    grouped: dict = {}
    for session, area_ids in sessions.values():
        ordered = sorted(area_ids, key=lambda pk: areas[pk].order if pk in areas else 0)
        for area_id in ordered or [None]:
            grouped.setdefault(area_id, []).append(session)
    out = []
    for area_id in sorted(grouped, key=lambda pk: (pk is None, areas[pk].order if pk in areas else 0)):
        name = areas[area_id].name if area_id in areas else str(_("Not linked to a measure area"))
        out.append((name, grouped[area_id]))
    return out


# --- actions on the factors -----------------------------------------------------


def actions_on(survey: Survey) -> tuple[dict, dict]:
    """({factor: [actions made from earlier waves]}, {factor: [actions made from this one]}).

    Earlier waves are the same programme's surveys of the same series with a lower wave, made
    for the same group (`group_ref`; none for the programme's own waves), so a follow-up shows,
    next to each factor's figure, what was done about it since. A group's survey without a
    series counts the group's earlier surveys of the same questionnaire series. One query."""
    earlier: dict = {}
    own: dict = {}
    qs = Action.objects.filter(survey__programme_id=survey.programme_id).select_related("owner", "measure", "survey")
    if survey.series:
        qs = qs.filter(
            Q(survey=survey)
            | Q(survey__series=survey.series, survey__group_ref=survey.group_ref, survey__wave__lt=survey.wave)
        )
    elif survey.group_ref:
        qs = qs.filter(
            Q(survey=survey)
            | Q(
                survey__series="",
                survey__group_ref=survey.group_ref,
                survey__questionnaire__series=survey.questionnaire.series,
                survey__opens_at__lt=survey.opens_at,
            )
        )
    else:
        qs = qs.filter(survey=survey)
    for action in qs.order_by("due_date", "pk"):
        (own if action.survey_id == survey.pk else earlier).setdefault(action.factor, []).append(action)
    return earlier, own


def factor_figure(survey: Survey, factor: str, *, k: int | None = None) -> Cell:
    """The factor's overall figure in one survey as results.py shows it: suppressed under k
    (and while the survey is open). What an action shows next to its factor."""
    result = survey_results(survey, k=k)
    for row in result.dimensions:
        if row.key == factor:
            return row.overall
    return Cell(suppressed=True)


# --- chart geometry (rendered as inline SVG by the template) ----------------------


def comparison_chart(comp: Comparison, *, width: int = 640) -> dict:
    """Bar geometry for a horizontal grouped bar chart on the 1–5 scale."""
    label_h, bar_h, gap = 22, 18, 16
    left, right = 8, 96
    plot_w = width - left - right
    y = 8
    rows = []

    def x_of(v):
        return left + plot_w * (v - LIKERT_MIN + 1) / (LIKERT_MAX - LIKERT_MIN + 1)

    for r in comp.rows:
        item = {"label": r.label, "label_y": y + 14, "suppressed": r.suppressed, "bars": []}
        y += label_h
        for kind, mean in (("before", r.mean_before), ("after", r.mean_after)):
            bar = {"kind": kind, "y": y, "h": bar_h, "x": left, "mean": mean, "text_y": y + 14}
            if mean is not None:
                bar["w"] = round(x_of(mean) - left)
                bar["text_x"] = round(x_of(mean) + 6)
            else:
                bar["w"] = 0
                bar["text_x"] = left + 6
            item["bars"].append(bar)
            y += bar_h + 4
        y += gap
        rows.append(item)
    ticks = [{"v": v, "x": round(x_of(v))} for v in SCALE]
    return {
        "width": width,
        "height": y + 24,
        "rows": rows,
        "ticks": ticks,
        "axis_y": y + 4,
        "tick_y": y + 18,
        "left": left,
    }


def interval_chart(comp: Comparison, *, width: int = 640) -> dict | None:
    """Geometry of the change per dimension with its 95 % interval: a dot for the change,
    a line from the interval's low to its high end, a vertical line at no change. Hidden
    rows get a row without marks. None when no row has an interval."""
    shown = [r for r in comp.rows if r.interval is not None]
    if not shown:
        return None
    reach = max(max(abs(r.interval.low), abs(r.interval.high)) for r in shown)
    span = max(1.0, math.ceil(reach * 2) / 2)  # whole half-points, at least ±1
    label_w, right = 230, 24
    plot_w = width - label_w - right
    row_h = 26

    def x_of(v):
        return round(label_w + plot_w * (v + span) / (2 * span))  # an int: templates localise floats

    rows = []
    y = 10
    for r in comp.rows:
        item = {"label": r.label, "y": y + 13, "suppressed": r.interval is None, "verdict": r.verdict}
        if r.interval is not None:
            item.update(
                {
                    "x_low": x_of(r.interval.low),
                    "x_high": x_of(r.interval.high),
                    "x_mid": x_of(r.interval.difference),
                    "line_y": y + 9,
                }
            )
        rows.append(item)
        y += row_h
    steps = int(span / 0.5)
    ticks = [{"v": i * 0.5, "x": x_of(i * 0.5)} for i in range(-steps, steps + 1)]
    return {
        "width": width,
        "height": y + 30,
        "rows": rows,
        "ticks": ticks,
        "zero_x": x_of(0),
        "top": 4,
        "axis_y": y + 2,
        "tick_y": y + 18,
        "label_x": 4,
        "plot_left": label_w,
        "plot_right": width - right,
    }


# --- mentoring across pairs --------------------------------------------------------


@dataclass
class PairCohort:
    """One scheme's end-of-pair evaluations in one calendar year, pooled over its pairs."""

    scheme: str
    year: int
    pairs: int  # pairs whose evaluation closed in the year (at most two answers each)
    n: int  # answers over all those pairs: what k is counted over
    available: bool
    reason: str  # "" | "too_few" | "year_not_over"
    rows: list  # [Row-like dicts: key, label, n, mean] when available
    scores: dict = field(default_factory=dict, repr=False)  # {dimension: [respondent scores]}


def pair_cohorts(programme, scheme: str, *, k: int | None = None, today=None) -> list[PairCohort]:
    """End-of-pair evaluations of one scheme, pooled per calendar year over every pair.

    One pair's evaluation has at most two answers, never k, so it is never shown alone; the
    pooled figures are shown when the answers over all the scheme's pairs in the year reach k,
    and only once the year is over: until then each pair whose evaluation closes would change
    the figures by its own one or two answers. A year's set of surveys is fixed when it ends
    (a closed survey cannot be moved, and surveys made after the year ended are left out)."""
    from datetime import date, datetime, time

    from django.db.models.functions import ExtractYear
    from django.utils import timezone

    from reflection_groups.models import MentorPair

    k = k or min_respondents()
    today = today or timezone.localdate()
    pair_ids = list(MentorPair.objects.filter(programme=programme, scheme=scheme).values_list("pk", flat=True))
    surveys = Survey.objects.filter(
        programme=programme, kind=Survey.Kind.PAIR_END, pair_ref__in=pair_ids, closes_at__lte=timezone.now()
    )
    per_year: dict = {}
    for row in surveys.annotate(year=ExtractYear("closes_at")).values("year", "pk", "pair_ref", "created_at"):
        year_end = timezone.make_aware(datetime.combine(date(row["year"] + 1, 1, 1), time.min))
        if row["created_at"] >= year_end:
            continue  # made after its year was over: would change a year already shown
        entry = per_year.setdefault(row["year"], {"surveys": set(), "pairs": set()})
        entry["surveys"].add(row["pk"])
        entry["pairs"].add(row["pair_ref"])
    if not per_year:
        return []
    year_of = {sid: year for year, entry in per_year.items() for sid in entry["surveys"]}
    n_per_year: dict = {}
    for sid, n in (
        Response.objects.filter(survey_id__in=year_of).values_list("survey_id").annotate(n=Count("id")).order_by()
    ):
        n_per_year[year_of[sid]] = n_per_year.get(year_of[sid], 0) + n
    scores_per_year: dict = {}
    shown_years = {year for year in per_year if date(year + 1, 1, 1) <= today and n_per_year.get(year, 0) >= k}
    if shown_years:
        for row in (
            Answer.objects.filter(
                response__survey_id__in=[sid for sid, year in year_of.items() if year in shown_years],
                question__kind=Question.Kind.LIKERT,
                value__isnull=False,
            )
            .values("response__survey_id", "response_id", "question__dimension")
            .annotate(score=Avg("value"))
            .order_by()
        ):
            year = year_of[row["response__survey_id"]]
            scores_per_year.setdefault(year, {}).setdefault(row["question__dimension"], []).append(float(row["score"]))
    order = [key for key, _l in dimension_choices()]
    out = []
    for year in sorted(per_year):
        n = n_per_year.get(year, 0)
        reason = "" if year in shown_years else ("year_not_over" if date(year + 1, 1, 1) > today else "too_few")
        scores = scores_per_year.get(year, {})
        rows = []
        for dim in sorted(scores, key=lambda d: order.index(d) if d in order else 99):
            values = scores[dim]
            hidden = len(values) < k
            rows.append(
                {
                    "key": dim,
                    "label": dimension_label(dim),
                    "n": None if hidden else len(values),
                    "mean": None if hidden else sum(values) / len(values),
                    "suppressed": hidden,
                }
            )
        out.append(
            PairCohort(
                scheme=scheme,
                year=year,
                pairs=len(per_year[year]["pairs"]),
                n=n,
                available=not reason,
                reason=reason,
                rows=rows,
                scores={dim: v for dim, v in scores.items() if len(v) >= k},
            )
        )
    return out


def pair_cohort_change(before: PairCohort, after: PairCohort, *, k: int | None = None) -> list[ComparisonRow]:
    """The change per dimension from one cohort to the next, with its 95 % interval, hidden as
    the wave comparison hides it (either cohort under k, or n changed by 1…k-1)."""
    k = k or min_respondents()
    rows = []
    order = [key for key, _l in dimension_choices()]
    dims = sorted(set(before.scores) | set(after.scores), key=lambda d: order.index(d) if d in order else 99)
    for dim in dims:
        b, a = before.scores.get(dim, []), after.scores.get(dim, [])
        hidden = not (before.available and after.available) or len(b) < k or len(a) < k or 0 < abs(len(a) - len(b)) < k
        rows.append(
            ComparisonRow(
                key=dim,
                label=dimension_label(dim),
                n_before=None if hidden else len(b),
                n_after=None if hidden else len(a),
                mean_before=None if hidden else sum(b) / len(b),
                mean_after=None if hidden else sum(a) / len(a),
                suppressed=hidden,
                interval=None if hidden else stats.welch_interval(b, a),
            )
        )
    return rows
