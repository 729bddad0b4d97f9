"""The PDF reports: what goes in them (data) and how they become PDFs (templates + pdf.py).

Four reports:
- session report (`session_report`): HR version with the attendance list, leader version
  with counts only;
- programme progress report (`programme_report`), with a date range;
- a leader's development record, "utviklingspass" (`leader_record`);
- the administrator's summary of all programmes in a period (`summary_report`), plus the
  same figures as CSV/XLSX rows (`summary_rows`).

Every figure is a database aggregate (values().annotate()/aggregate()); nothing queries per
row, so the programme report stays fast on `seed_demo --size large`. Reflection groups and
surveys are separate apps: they are read lazily and a report without them still renders.
Confidential notes (group notes, pair meeting notes) are never selected at all, and survey
cells under SURVEY_MIN_RESPONDENTS are blanked here as well as in the surveys app.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes.models import (
    Commitment,
    Measure,
    MeasureArea,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
)
from toppleder import pdf, reference

logger = logging.getLogger(__name__)

# Sessions that took place: not cancelled or still a draft, and started already.
HELD_STATUSES = (Session.Status.PUBLISHED, Session.Status.COMPLETED)


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


@dataclass
class Period:
    """An inclusive date range; either end may be open."""

    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Aware datetimes in Europe/Oslo: [start 00:00, day after end 00:00)."""
        tz = timezone.get_default_timezone()
        lo = timezone.make_aware(datetime.combine(self.start, time.min), tz) if self.start else None
        hi = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz) if self.end else None
        return lo, hi

    def filter(self, field_name: str) -> Q:
        lo, hi = self.bounds()
        q = Q()
        if lo:
            q &= Q(**{f"{field_name}__gte": lo})
        if hi:
            q &= Q(**{f"{field_name}__lt": hi})
        return q

    def filter_dates(self, field_name: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{field_name}__gte": self.start})
        if self.end:
            q &= Q(**{f"{field_name}__lte": self.end})
        return q

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None

    def key(self) -> str:
        return f"{self.start or ''}..{self.end or ''}"


def kind_label(key: str) -> str:
    try:
        return str(reference.label(reference.entry("activity_kinds", key)))
    except KeyError:
        return key


def pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def min_respondents() -> int:
    return int(getattr(settings, "SURVEY_MIN_RESPONDENTS", 5))


# ---------------------------------------------------------------------------
# Charts: inline SVG geometry, rendered by templates/reports/_bar_chart.html
# ---------------------------------------------------------------------------

CHART_WIDTH = 560
LABEL_WIDTH = 180
BAR_AREA = 320
ROW_HEIGHT = 15
SERIES_FILLS = ["#2a2859", "#6fe9ff", "#034b45", "#f9c66b"]


@dataclass
class Chart:
    id: str
    title: str
    description: str
    series: list[str]
    rows: list[dict]  # {"label": str, "values": [number | None, ...]}
    height: int = 0
    bars: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    value_format: str = "{:g}"
    axis_max: float | None = None
    show_table: bool = True


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    series: list[str],
    rows: list[dict],
    *,
    axis_max: float | None = None,
    value_format: str = "{:g}",
) -> Chart | None:
    """Horizontal grouped bars. Returns None when there is nothing to draw."""
    if not rows:
        return None
    chart = Chart(chart_id, title, description, series, rows, value_format=value_format)
    values = [v for r in rows for v in r["values"] if v is not None]
    top = axis_max or (max(values) if values else 0) or 1
    chart.axis_max = top
    n = len(series)
    group_h = ROW_HEIGHT * n + 6
    legend_h = 22 if n > 1 else 0
    y = legend_h + 4
    for row in rows:
        label = str(row["label"])
        short = label if len(label) <= 34 else label[:32] + "…"
        chart.bars.append({"kind": "label", "x": LABEL_WIDTH - 8, "y": y + group_h / 2 - 1, "text": short})
        for i, value in enumerate(row["values"]):
            by = y + i * ROW_HEIGHT
            w = 0 if value is None else max(0.0, BAR_AREA * float(value) / top)
            chart.bars.append(
                {
                    "kind": "bar",
                    "x": LABEL_WIDTH,
                    "y": by + 2,
                    "w": round(w, 1),
                    "h": ROW_HEIGHT - 5,
                    "fill": SERIES_FILLS[i % len(SERIES_FILLS)],
                    "tx": round(LABEL_WIDTH + w + 4, 1),
                    "ty": by + ROW_HEIGHT / 2 + 2,
                    "text": "–" if value is None else value_format.format(value),
                }
            )
        y += group_h
    chart.height = int(y + 6)
    chart.axis = {"x": LABEL_WIDTH, "y1": legend_h, "y2": chart.height - 4}
    if n > 1:
        chart.legend = [
            {"x": LABEL_WIDTH + i * 140, "fill": SERIES_FILLS[i % len(SERIES_FILLS)], "text": name}
            for i, name in enumerate(series)
        ]
    return chart


# ---------------------------------------------------------------------------
# Lazy neighbours: surveys and reflection groups are written in parallel
# ---------------------------------------------------------------------------


def _survey_function(*names):
    """A function from `surveys.results`, or None while that module does not provide it."""
    try:
        module = importlib.import_module("surveys.results")
    except ImportError:
        return None
    for name in names:
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    return None


def _suppress(rows) -> list[dict]:
    """Blank every survey cell with fewer than k respondents, whatever the source says."""
    k = min_respondents()
    cleaned = []
    for row in rows or []:
        row = dict(row)
        n = row.get("n") or row.get("respondents") or 0
        if n < k or row.get("suppressed"):
            row["suppressed"] = True
            for key in ("mean", "value", "values", "distribution", "before", "after", "change"):
                row.pop(key, None)
        cleaned.append(row)
    return cleaned


def _closed_surveys(**filters):
    Survey = apps.get_model("surveys", "Survey")
    return Survey.objects.filter(closes_at__lte=timezone.now(), **filters)


def session_survey_results(session) -> dict:
    """Evaluation results of the session's closed evaluation surveys, k-suppressed.

    {"available": bool, "rows": [{label, n, mean, suppressed}], "reasons": [...]}. Uses
    `surveys.results.survey_results` (which suppresses already); rows are suppressed again
    here so no cell under k can reach a PDF whatever the neighbour returns.
    """
    fn = _survey_function("survey_results")
    if fn is None:
        return {"available": False, "rows": [], "reasons": []}
    rows, reasons = [], []
    try:
        for survey in _closed_surveys(session=session, kind="session_evaluation").order_by("closes_at", "pk"):
            results = fn(survey)
            if not getattr(results, "available", False):
                reason = getattr(results, "reason", "")
                if reason == "open":
                    reasons.append(_("The evaluation is still open; results are shown when it has closed."))
                else:
                    reasons.append(
                        _("Too few answers to show any result (fewer than %(k)s).") % {"k": min_respondents()}
                    )
                continue
            for row in getattr(results, "questions", []):
                cell = row.overall
                rows.append(
                    {"label": str(row.label), "n": cell.n, "mean": cell.mean, "suppressed": bool(cell.suppressed)}
                )
    except Exception:  # a neighbour's bug must not take the report down
        logger.exception("surveys.results failed for session %s", session.pk)
        return {"available": False, "rows": [], "reasons": []}
    return {"available": True, "rows": _normalise_survey_rows(rows), "reasons": [r for r in reasons if r]}


def programme_survey_trends(programme, period: Period) -> dict:
    """Baseline vs latest follow-up per survey series and dimension (surveys.results.wave_comparison)."""
    fn = _survey_function("wave_comparison")
    if fn is None:
        return {"available": False, "rows": []}
    rows = []
    try:
        seen = set()
        followups = _closed_surveys(programme=programme, kind="follow_up").filter(period.filter("closes_at"))
        for survey in followups.order_by("series", "-wave", "-closes_at"):
            if survey.series in seen:
                continue
            seen.add(survey.series)
            comp = fn(survey)
            if not getattr(comp, "available", False):
                continue
            before_label = f"{_('Wave')} {comp.before.wave}"
            after_label = f"{_('Wave')} {comp.after.wave}"
            for r in comp.rows:
                rows.append(
                    {
                        "label": str(r.label),
                        "waves": [
                            {"label": before_label, "n": r.n_before, "mean": r.mean_before, "suppressed": r.suppressed},
                            {"label": after_label, "n": r.n_after, "mean": r.mean_after, "suppressed": r.suppressed},
                        ],
                    }
                )
    except Exception:
        logger.exception("surveys.results trends failed for programme %s", programme.pk)
        return {"available": False, "rows": []}
    return {"available": True, "rows": _normalise_trend_rows(rows)}


def _normalise_survey_rows(rows) -> list[dict]:
    """Rows of {label, n, mean} (attribute objects or dicts), k-suppressed."""
    out = []
    for r in rows or []:
        get = r.get if isinstance(r, dict) else (lambda k, d=None, r=r: getattr(r, k, d))
        out.append(
            {
                "label": str(get("label") or get("dimension_label") or get("question") or get("dimension") or ""),
                "n": int(get("n") or get("respondents") or 0),
                "mean": get("mean"),
                "suppressed": bool(get("suppressed", False)),
            }
        )
    return _suppress(out)


def _normalise_trend_rows(rows) -> list[dict]:
    """Rows of {label, waves: [{wave, n, mean}]}: each wave cell suppressed on its own."""
    out = []
    for r in rows or []:
        get = r.get if isinstance(r, dict) else (lambda k, d=None, r=r: getattr(r, k, d))
        waves = []
        for w in get("waves") or []:
            wget = w.get if isinstance(w, dict) else (lambda k, d=None, w=w: getattr(w, k, d))
            waves.append(
                {
                    "label": str(wget("label") or wget("wave") or ""),
                    "n": int(wget("n") or wget("respondents") or 0),
                    "mean": wget("mean"),
                    "suppressed": bool(wget("suppressed", False)),
                }
            )
        out.append({"label": str(get("label") or get("dimension") or ""), "waves": _suppress(waves)})
    return out


def _rg_model(name: str):
    """A reflection_groups model, or None if that app does not (yet) define it."""
    try:
        return apps.get_model("reflection_groups", name)
    except LookupError:
        return None


def programme_group_figures(programme, period: Period) -> dict | None:
    """Counts for reflection/network groups and mentor pairs. Never touches note fields."""
    Group = _rg_model("ReflectionGroup")
    Meeting = _rg_model("GroupMeeting")
    Membership = _rg_model("GroupMembership")
    Pair = _rg_model("MentorPair")
    PairMeeting = _rg_model("PairMeeting")
    if Group is None:
        return None
    try:
        groups = Group.objects.filter(programme=programme).exclude(status="proposed")
        by_kind = {
            r["kind"]: r
            for r in groups.values("kind").annotate(
                groups=Count("id", distinct=True),
            )
        }
        members = {
            r["group__kind"]: r["n"]
            for r in Membership.objects.filter(group__in=groups, active=True)
            .values("group__kind")
            .annotate(n=Count("leader", distinct=True))
        }
        now = timezone.now()
        meetings = {
            r["group__kind"]: r
            for r in Meeting.objects.filter(Q(group__in=groups) & period.filter("starts_at") & Q(starts_at__lte=now))
            .values("group__kind")
            .annotate(n=Count("id", distinct=True), attendances=Count("attendance", distinct=True))
        }
        kinds = []
        for key, label in Group.Kind.choices:
            kinds.append(
                {
                    "label": str(label),
                    "groups": by_kind.get(key, {}).get("groups", 0),
                    "members": members.get(key, 0),
                    "meetings": meetings.get(key, {}).get("n", 0),
                    "attendances": meetings.get(key, {}).get("attendances", 0),
                }
            )
        schemes = []
        if Pair is not None:
            pairs = Pair.objects.filter(programme=programme).exclude(status="proposed")
            pair_rows = {
                r["scheme"]: r
                for r in pairs.values("scheme").annotate(
                    pairs=Count("id"),
                    active=Count("id", filter=Q(status="active")),
                    closed=Count("id", filter=Q(status="closed")),
                )
            }
            pm = {}
            if PairMeeting is not None:
                pm = {
                    r["pair__scheme"]: r["n"]
                    for r in PairMeeting.objects.filter(Q(pair__in=pairs) & period.filter_dates("date"))
                    .values("pair__scheme")
                    .annotate(n=Count("id"))
                }
            for key, label in Pair.Scheme.choices:
                row = pair_rows.get(key, {})
                schemes.append(
                    {
                        "label": str(label),
                        "pairs": row.get("pairs", 0),
                        "active": row.get("active", 0),
                        "closed": row.get("closed", 0),
                        "meetings": pm.get(key, 0),
                    }
                )
        return {"kinds": kinds, "schemes": schemes}
    except Exception:  # the neighbouring app may be mid-migration; the report still renders
        logger.exception("reflection group figures failed for programme %s", programme.pk)
        return None


# ---------------------------------------------------------------------------
# Session report
# ---------------------------------------------------------------------------


def session_report_data(session: Session, *, hr_version: bool) -> dict:
    session = (
        Session.objects.select_related("programme")
        .prefetch_related("contributors", "measures__area")
        .get(pk=session.pk)
    )
    counts = Registration.objects.filter(session=session).aggregate(
        confirmed=Count("id", filter=Q(status=Registration.Status.CONFIRMED)),
        waitlisted=Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
        cancelled=Count("id", filter=Q(status=Registration.Status.CANCELLED)),
        attended=Count("id", filter=Q(attendance=Registration.Attendance.ATTENDED)),
        no_show=Count("id", filter=Q(attendance=Registration.Attendance.NO_SHOW)),
        organisations=Count(
            "leader__organisation", distinct=True, filter=Q(attendance=Registration.Attendance.ATTENDED)
        ),
    )
    by_org = list(
        Registration.objects.filter(session=session, attendance=Registration.Attendance.ATTENDED)
        .values(name=F("leader__organisation__name"))
        .annotate(n=Count("id"))
        .order_by("-n", "name")
    )
    attendance_list = []
    if hr_version:
        attendance_list = list(
            Registration.objects.filter(session=session)
            .exclude(status=Registration.Status.CANCELLED)
            .values(
                "status",
                "attendance",
                name=F("leader__user__name"),
                email=F("leader__user__email"),
                organisation=F("leader__organisation__name"),
            )
            .order_by("leader__user__name", "leader__user__email")
        )
        status_labels = dict(Registration.Status.choices)
        attendance_labels = dict(Registration.Attendance.choices)
        for row in attendance_list:
            row["name"] = row["name"] or row["email"]
            row["status_label"] = status_labels.get(row["status"], row["status"])
            row["attendance_label"] = attendance_labels.get(row["attendance"], row["attendance"])
    commitments = list(
        Commitment.objects.filter(session=session).prefetch_related("parties__user", "organisations").order_by("pk")
    )
    return {
        "session": session,
        "programme": session.programme,
        "kind_label": kind_label(session.kind),
        "contributors": list(session.contributors.all()),
        "measures": list(session.measures.all()),
        "counts": counts,
        "by_org": by_org,
        "attendance_list": attendance_list,
        "hr_version": hr_version,
        "commitments": commitments,
        "surveys": session_survey_results(session),
        "k": min_respondents(),
    }


# ---------------------------------------------------------------------------
# Programme progress report
# ---------------------------------------------------------------------------


def held_sessions(programme, period: Period):
    now = timezone.now()
    return Session.objects.filter(
        Q(programme=programme, status__in=HELD_STATUSES, starts_at__lte=now) & period.filter("starts_at")
    )


def programme_participation(programme, period: Period) -> dict:
    """Enrolled leaders and how many sessions they attended, rolled up by organisation and sector.

    Three grouped queries whatever the size: the held session ids, attended counts per
    leader (one values().annotate() over registrations) and the enrolled leaders with
    their organisation and sector. The roll-up over at most a few thousand tuples happens
    here; a correlated subquery per enrolment was 100× slower on the large demo data.
    "Half" and "all" count the held sessions open to every enrolled leader (not reserved
    for particular leader groups).
    """
    held_rows = list(held_sessions(programme, period).values_list("pk", "reserved_for_groups"))
    held_ids = {pk for pk, _group in held_rows}
    reserved = {pk for pk, group in held_rows if group is not None}
    open_ids = held_ids - reserved
    n_open = len(open_ids)
    half = max(1, math.ceil(n_open / 2)) if n_open else None

    attended = (
        {
            r["leader"]: (r["any"], r["open"])
            for r in Registration.objects.filter(
                session__programme=programme, session_id__in=held_ids, attendance=Registration.Attendance.ATTENDED
            )
            .values("leader")
            .annotate(any=Count("id"), open=Count("id", filter=Q(session_id__in=open_ids)))
            .order_by()
        }
        if held_ids
        else {}
    )

    enrolments = ProgrammeEnrolment.objects.active().filter(programme=programme)
    if period.end:
        enrolments = enrolments.filter(enrolled_at__lt=period.bounds()[1])
    by_org: dict = {}
    by_sector: dict = {}
    total = {"enrolled": 0, "one": 0, "half": 0, "all": 0}
    for leader_id, org, sector in enrolments.values_list(
        "leader_id", "leader__organisation__name", "leader__organisation__sector__name"
    ).order_by():
        any_count, open_count = attended.get(leader_id, (0, 0))
        flags = {
            "enrolled": 1,
            "one": int(any_count >= 1),
            "half": int(bool(n_open) and open_count >= half),
            "all": int(bool(n_open) and open_count >= n_open),
        }
        org_row = by_org.setdefault(
            (org, sector),
            {
                "leader__organisation__name": org,
                "leader__organisation__sector__name": sector,
                "enrolled": 0,
                "one": 0,
                "half": 0,
                "all": 0,
            },
        )
        sector_row = by_sector.setdefault(
            sector, {"leader__organisation__sector__name": sector, "enrolled": 0, "one": 0, "half": 0, "all": 0}
        )
        for key, value in flags.items():
            org_row[key] += value
            sector_row[key] += value
            total[key] += value
    return {
        "by_org": [by_org[k] for k in sorted(by_org, key=lambda k: (k[0] or "", k[1] or ""))],
        "by_sector": [by_sector[k] for k in sorted(by_sector, key=lambda k: k or "")],
        "total": total,
        "n_held": len(held_ids),
        "n_open": n_open,
        "half_threshold": half,
    }


def programme_report_data(programme: Programme, period: Period | None = None) -> dict:
    period = period or Period()
    sessions = Session.objects.filter(Q(programme=programme) & period.filter("starts_at"))
    held = held_sessions(programme, period)
    status_counts = {r["status"]: r["n"] for r in sessions.values("status").annotate(n=Count("id")).order_by()}
    per_kind_raw = {
        r["kind"]: r
        for r in sessions.values("kind")
        .annotate(
            planned=Count("id", filter=~Q(status__in=[Session.Status.CANCELLED, Session.Status.DRAFT])),
            held=Count("id", filter=Q(pk__in=held.values("pk"))),
        )
        .order_by()
    }
    per_kind = [
        {"key": e["key"], "label": kind_label(e["key"]), **{k: per_kind_raw[e["key"]][k] for k in ("planned", "held")}}
        for e in reference.entries("activity_kinds")
        if e["key"] in per_kind_raw
    ]
    areas = list(MeasureArea.objects.order_by("order"))
    per_area_raw = {
        r["measures__area"]: r["n"]
        for r in held.filter(measures__isnull=False)
        .values("measures__area")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    }
    per_area = [{"label": a.name, "held": per_area_raw.get(a.pk, 0)} for a in areas]

    # Measure status: the four areas × short/long horizon, counts per status.
    status_keys = [key for key, _label in Measure.Status.choices]
    measure_rows = {}
    for r in Measure.objects.values("area", "horizon", "status").annotate(n=Count("id")).order_by():
        measure_rows.setdefault((r["area"], r["horizon"]), {})[r["status"]] = r["n"]
    served = {
        (r["area"], r["horizon"]): r["n"]
        for r in Measure.objects.filter(sessions__in=held.values("pk"))
        .values("area", "horizon")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    }
    measure_table = []
    for area in areas:
        for horizon, horizon_label in Measure.Horizon.choices:
            counts = measure_rows.get((area.pk, horizon), {})
            total = sum(counts.values())
            if not total:
                continue
            measure_table.append(
                {
                    "area": area.name,
                    "horizon": str(horizon_label),
                    "statuses": [counts.get(k, 0) for k in status_keys],
                    "total": total,
                    "served": served.get((area.pk, horizon), 0),
                }
            )

    participation = programme_participation(programme, period)
    groups = programme_group_figures(programme, period)
    trends = programme_survey_trends(programme, period)
    commitments = {
        r["status"]: r["n"]
        for r in Commitment.objects.filter(Q(programme=programme) & period.filter("created_at"))
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    }
    commitment_rows = [{"label": str(label), "n": commitments.get(key, 0)} for key, label in Commitment.Status.choices]

    uid = f"p{programme.pk}"
    charts = {
        "sector": bar_chart(
            f"{uid}-sector",
            _("Participation by sector"),
            _("Enrolled leaders and leaders who attended at least one session, per sector."),
            [_("Enrolled"), _("Attended at least one")],
            [
                {
                    "label": r["leader__organisation__sector__name"] or _("No sector"),
                    "values": [r["enrolled"], r["one"]],
                }
                for r in participation["by_sector"]
            ],
        ),
        "kind": bar_chart(
            f"{uid}-kind",
            _("Sessions held per activity kind"),
            _("Number of sessions held in the period, per activity kind."),
            [_("Sessions held")],
            [{"label": r["label"], "values": [r["held"]]} for r in per_kind],
        ),
        "area": bar_chart(
            f"{uid}-area",
            _("Sessions held per measure area"),
            _("Number of sessions held that served at least one measure in each area."),
            [_("Sessions held")],
            [{"label": r["label"], "values": [r["held"]]} for r in per_area],
        ),
    }
    trend_charts = []
    if trends["available"] and trends["rows"]:
        wave_labels = [w["label"] for w in trends["rows"][0]["waves"]]
        chart_rows = []
        for row in trends["rows"]:
            values = [
                None if w.get("suppressed") or w.get("mean") is None else round(w["mean"], 1) for w in row["waves"]
            ]
            if any(v is not None for v in values):
                chart_rows.append({"label": row["label"], "values": values})
        chart = bar_chart(
            f"{uid}-trends",
            _("Average score per dimension and wave"),
            _("Average score (1–5) per survey wave; waves with too few answers are left out."),
            wave_labels,
            chart_rows,
            axis_max=5,
            value_format="{:.1f}",
        )
        if chart is not None:
            chart.show_table = False  # the table of dimensions, waves and answers below says it all
            trend_charts.append(chart)
    return {
        "programme": programme,
        "period": period,
        "status_counts": status_counts,
        "n_sessions": sum(status_counts.values()),
        "n_held": participation["n_held"],
        "n_cancelled": status_counts.get(Session.Status.CANCELLED, 0),
        "per_kind": per_kind,
        "per_area": per_area,
        "measure_table": measure_table,
        "measure_status_labels": [str(label) for _key, label in Measure.Status.choices],
        "participation": participation,
        "groups": groups,
        "trends": trends,
        "trend_charts": trend_charts,
        "commitments": commitment_rows,
        "n_commitments": sum(commitments.values()),
        "charts": charts,
        "k": min_respondents(),
    }


# ---------------------------------------------------------------------------
# Leader's development record ("utviklingspass")
# ---------------------------------------------------------------------------


def leader_record_data(leader) -> dict:
    now = timezone.now()
    attended = list(
        Registration.objects.filter(leader=leader, attendance=Registration.Attendance.ATTENDED)
        .select_related("session__programme")
        .order_by("session__starts_at")
    )
    upcoming = list(
        Registration.objects.filter(leader=leader, status=Registration.Status.CONFIRMED, session__starts_at__gt=now)
        .exclude(session__status=Session.Status.CANCELLED)
        .select_related("session__programme")
        .order_by("session__starts_at")
    )
    per_kind_raw = {
        r["session__kind"]: r["n"]
        for r in Registration.objects.filter(leader=leader, attendance=Registration.Attendance.ATTENDED)
        .values("session__kind")
        .annotate(n=Count("id"))
        .order_by()
    }
    per_kind = [
        {"label": kind_label(e["key"]), "n": per_kind_raw[e["key"]]}
        for e in reference.entries("activity_kinds")
        if e["key"] in per_kind_raw
    ]
    sessions = [
        {
            "title": r.session.title,
            "kind": kind_label(r.session.kind),
            "programme": str(r.session.programme),
            "starts_at": r.session.starts_at,
            "hours": round((r.session.ends_at - r.session.starts_at).total_seconds() / 3600, 1),
        }
        for r in attended
    ]
    total_hours = round(sum(s["hours"] for s in sessions), 1)
    enrolments = list(
        ProgrammeEnrolment.objects.filter(leader=leader).select_related("programme").order_by("enrolled_at")
    )
    commitments = list(
        Commitment.objects.filter(parties=leader).select_related("programme", "session").order_by("due_date", "pk")
    )
    groups, pairs = [], []
    Membership = _rg_model("GroupMembership")
    Pair = _rg_model("MentorPair")
    try:
        if Membership is not None:
            attended_meetings = _rg_model("MeetingAttendance")
            counts = {}
            if attended_meetings is not None:
                counts = {
                    r["meeting__group"]: r["n"]
                    for r in attended_meetings.objects.filter(leader=leader, meeting__starts_at__lte=now)
                    .values("meeting__group")
                    .annotate(n=Count("id"))
                    .order_by()
                }
            for m in (
                Membership.objects.filter(leader=leader)
                .exclude(group__status="proposed")
                .select_related("group__programme")
                .annotate(held=Count("group__meetings", filter=Q(group__meetings__starts_at__lte=now), distinct=True))
                .order_by("joined")
            ):
                groups.append(
                    {
                        "name": m.group.name,
                        "kind": m.group.get_kind_display(),
                        "theme": m.group.theme,
                        "programme": str(m.group.programme),
                        "joined": m.joined,
                        "active": m.active,
                        "held": m.held,
                        "attended": counts.get(m.group_id, 0),
                    }
                )
        if Pair is not None:
            for p in (
                Pair.objects.filter(Q(mentor=leader) | Q(mentee=leader))
                .exclude(status="proposed")
                .select_related("mentor__user", "mentee__user", "programme")
                .annotate(n_meetings=Count("meetings"))
                .order_by("period_start", "pk")
            ):
                as_mentor = p.mentor_id == leader.pk
                pairs.append(
                    {
                        "scheme": p.get_scheme_display(),
                        "role": _("Mentor") if as_mentor else _("Mentee"),
                        "other": str(p.mentee if as_mentor else p.mentor),
                        "programme": str(p.programme),
                        "start": p.period_start,
                        "end": p.period_end,
                        "status": p.get_status_display(),
                        "meetings": p.n_meetings,
                    }
                )
    except Exception:
        logger.exception("reflection group figures failed for leader %s", leader.pk)
    return {
        "leader": leader,
        "per_kind": per_kind,
        "sessions": sessions,
        "total_hours": total_hours,
        "upcoming": upcoming,
        "enrolments": enrolments,
        "groups": groups,
        "pairs": pairs,
        "commitments": commitments,
        "groups_available": Membership is not None,
    }


# ---------------------------------------------------------------------------
# Administrator's summary
# ---------------------------------------------------------------------------


def programmes_in_period(period: Period):
    """Programmes with at least one session in the period (all programmes for an open period)."""
    qs = Programme.objects.all()
    if not period.is_open:
        qs = qs.filter(pk__in=Session.objects.filter(period.filter("starts_at")).values("programme"))
    return qs.order_by("name", "period", "pk")


def summary_data(period: Period, progress=None) -> dict:
    programmes = list(programmes_in_period(period))
    sections = []
    for i, p in enumerate(programmes):
        sections.append(programme_report_data(p, period))
        if progress:
            progress(10 + int(50 * (i + 1) / len(programmes)))
    return {"period": period, "sections": sections}


def summary_rows(period: Period) -> list[list]:
    """The summary's figures as flat rows (programme, section, item, figure, value)."""
    header = [_("Programme"), _("Period"), _("Section"), _("Item"), _("Figure"), _("Value")]
    rows = [header]
    for s in summary_data(period)["sections"]:
        p = s["programme"]
        base = [p.name, p.period]
        rows.append(base + [_("Sessions"), _("All"), _("Sessions in period"), s["n_sessions"]])
        rows.append(base + [_("Sessions"), _("All"), _("Sessions held"), s["n_held"]])
        rows.append(base + [_("Sessions"), _("All"), _("Sessions cancelled"), s["n_cancelled"]])
        for r in s["per_kind"]:
            rows.append(base + [_("Sessions held per activity kind"), r["label"], _("Sessions held"), r["held"]])
        for r in s["per_area"]:
            rows.append(base + [_("Sessions held per measure area"), r["label"], _("Sessions held"), r["held"]])
        part = s["participation"]
        for r in part["by_org"]:
            item = r["leader__organisation__name"]
            for key, label in (
                ("enrolled", _("Enrolled")),
                ("one", _("Attended at least one")),
                ("half", _("Attended at least half")),
                ("all", _("Attended all")),
            ):
                rows.append(base + [_("Participation by organisation"), item, label, r[key]])
        for r in part["by_sector"]:
            item = r["leader__organisation__sector__name"]
            for key, label in (("enrolled", _("Enrolled")), ("one", _("Attended at least one"))):
                rows.append(base + [_("Participation by sector"), item, label, r[key]])
        if s["groups"]:
            for r in s["groups"]["kinds"]:
                rows.append(base + [_("Groups"), r["label"], _("Groups"), r["groups"]])
                rows.append(base + [_("Groups"), r["label"], _("Meetings held"), r["meetings"]])
            for r in s["groups"]["schemes"]:
                rows.append(base + [_("Mentor pairs"), r["label"], _("Pairs"), r["pairs"]])
                rows.append(base + [_("Mentor pairs"), r["label"], _("Meetings held"), r["meetings"]])
        for r in s["commitments"]:
            rows.append(base + [_("Commitments"), r["label"], _("Commitments"), r["n"]])
        for r in s["trends"]["rows"]:
            for w in r["waves"]:
                value = "" if w.get("suppressed") else w.get("mean")
                rows.append(base + [_("Survey trends"), r["label"], w["label"], value])
    return rows


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def report_context(title: str, user, **extra) -> dict:
    return {
        "report": {
            "title": title,
            "lang": translation.get_language() or "nb",
            "generated_at": timezone.localtime(),
            "generated_by": user.get_full_name() if user is not None else "",
        },
        **extra,
    }


def _render(template: str, context: dict) -> pdf.RenderResult:
    html = render_to_string(template, context)
    return pdf.render_pdf(html)


def user_language(user) -> str:
    lang = getattr(user, "language", None) or settings.LANGUAGE_CODE
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def session_report(session: Session, *, user, hr_version: bool) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = session_report_data(session, hr_version=hr_version)
        title = _("Session report") if hr_version else _("Session report (participant version)")
        return _render("reports/session.html", report_context(title, user, **data))


def programme_report(programme: Programme, *, user, period: Period | None = None, progress=None) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = programme_report_data(programme, period)
        if progress:
            progress(50)
        return _render("reports/programme.html", report_context(_("Programme progress report"), user, **data))


def leader_record(leader, *, user) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = leader_record_data(leader)
        return _render("reports/leader_record.html", report_context(_("Development record"), user, **data))


def summary_report(period: Period, *, user, progress=None) -> pdf.RenderResult:
    with translation.override(user_language(user)):
        data = summary_data(period, progress)
        return _render("reports/summary.html", report_context(_("Programme summary"), user, **data))


# ---------------------------------------------------------------------------
# Cache fingerprints: a report is reused until the data under it changes
# ---------------------------------------------------------------------------


def data_fingerprint(programme_ids=None) -> str:
    """A short hash of what the reports read: last change times and row counts.

    Any new, changed or deleted session, registration, enrolment, commitment, measure or
    group meeting changes it, so a cached PDF is never served stale.
    """

    def scoped(qs, field_name):
        return qs.filter(**{f"{field_name}__in": programme_ids}) if programme_ids is not None else qs

    attended = Q(attendance=Registration.Attendance.ATTENDED)
    parts = [
        scoped(Programme.objects, "pk").aggregate(m=Max("updated_at"), n=Count("id")),
        scoped(Session.objects, "programme").aggregate(
            m=Max("updated_at"), n=Count("id"), links=Count("measures"), groups=Count("reserved_for_groups")
        ),
        # Counts by status as well as change times: a bulk update() leaves updated_at alone.
        scoped(Registration.objects, "session__programme").aggregate(
            m=Max("updated_at"),
            n=Count("id"),
            att=Count("id", filter=attended),
            conf=Count("id", filter=Q(status=Registration.Status.CONFIRMED)),
            wait=Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
        ),
        scoped(ProgrammeEnrolment.objects, "programme").aggregate(
            m=Max("enrolled_at"), w=Max("withdrawn_at"), n=Count("id"), a=Count("id", filter=Q(status="enrolled"))
        ),
        scoped(Commitment.objects, "programme").aggregate(m=Max("updated_at"), n=Count("id"), p=Count("parties")),
        Measure.objects.values("area", "horizon", "status")
        .annotate(n=Count("id"))
        .order_by("area", "horizon", "status"),
    ]
    neighbours = [
        (
            "reflection_groups",
            "ReflectionGroup",
            "programme",
            {
                "n": Count("id", distinct=True),
                "s": Count("id", filter=~Q(status="proposed"), distinct=True),
                "m": Count("memberships"),
            },
        ),
        ("reflection_groups", "GroupMeeting", "group__programme", {"n": Count("id"), "a": Count("attendance")}),
        (
            "reflection_groups",
            "MentorPair",
            "programme",
            {
                "n": Count("id", distinct=True),
                "a": Count("id", filter=Q(status="active"), distinct=True),
                "m": Count("meetings"),
            },
        ),
        ("surveys", "Survey", "programme", {"n": Count("id"), "c": Max("closes_at")}),
        ("surveys", "Response", "survey__programme", {"n": Count("id")}),
    ]
    for app_label, model_name, scope_field, aggregates in neighbours:
        try:
            model = apps.get_model(app_label, model_name)
            parts.append(scoped(model.objects, scope_field).aggregate(**aggregates))
        except Exception:  # the neighbouring app may not have this model (yet)
            logger.warning("fingerprint: %s.%s unavailable", app_label, model_name)
    raw = repr([list(p) if not isinstance(p, dict) else sorted(p.items()) for p in parts])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


REPORT_KINDS = {"programme", "summary"}
# A programme report with more registrations than this is built by a task, not in the request.
ASYNC_REGISTRATIONS = 3000


def is_large(kind: str, params: dict) -> bool:
    if kind == "summary":
        return Registration.objects.count() > ASYNC_REGISTRATIONS
    if kind == "programme":
        return Registration.objects.filter(session__programme_id=params["programme_id"]).count() > ASYNC_REGISTRATIONS
    return False


def build(kind: str, params: dict, user, progress=None) -> pdf.RenderResult:
    """Build one report from plain parameters (shared by the view and the Celery task)."""
    period = Period(
        date.fromisoformat(params["start"]) if params.get("start") else None,
        date.fromisoformat(params["end"]) if params.get("end") else None,
    )
    if kind == "programme":
        programme = Programme.objects.get(pk=params["programme_id"])
        return programme_report(programme, user=user, period=period, progress=progress)
    if kind == "summary":
        return summary_report(period, user=user, progress=progress)
    raise ValueError(f"Unknown report kind {kind!r}")


def cache_key(kind: str, params: dict, user) -> str:
    """Where a built report lives in the cache: kind, parameters, language, data fingerprint."""
    scope = [params["programme_id"]] if kind == "programme" else None
    # Per person: the footer names who the report was produced for.
    raw = f"{kind}|{sorted(params.items())}|{user.pk}|{user_language(user)}|{data_fingerprint(scope)}"
    return "report:pdf:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


REPORT_TITLES = {
    "programme": gettext_lazy("Programme progress report"),
    "summary": gettext_lazy("Programme summary"),
}


# ---------------------------------------------------------------------------
# Jobs: large reports are built by programmes.tasks.report_build into the cache
# ---------------------------------------------------------------------------

REPORT_TTL = 24 * 60 * 60
JOB_TTL = 60 * 60


def job_token(kind: str, params: dict, user) -> str:
    """One job per person, report and language (the data fingerprint is checked on delivery)."""
    raw = f"{kind}|{sorted(params.items())}|{user.pk}|{user_language(user)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def job_get(token: str) -> dict | None:
    return cache.get("report:job:" + token)


def job_set(token: str, **status) -> None:
    cache.set("report:job:" + token, status, JOB_TTL)


def build_into_cache(kind: str, params: dict, user) -> str | None:
    """Build a report into the cache and keep its job status up to date. Returns the cache key."""
    token = job_token(kind, params, user)
    key = cache_key(kind, params, user)
    if cache.get(key) is not None:
        job_set(token, state="done", progress=100, key=key, user_id=user.pk)
        return key

    def progress(value: int) -> None:
        job_set(token, state="running", progress=value, key=key, user_id=user.pk)

    progress(5)
    try:
        result = build(kind, params, user, progress=progress)
    except Exception:
        logger.exception("report %s %s failed", kind, params)
        job_set(token, state="failed", progress=100, key=key, user_id=user.pk)
        return None
    cache.set(key, result.pdf, REPORT_TTL)
    job_set(token, state="done", progress=100, key=key, user_id=user.pk, pages=result.pages)
    return key


def measure_programme_report(programme: Programme, *, user) -> dict:
    """Figures for `make bench` (issue 9): total seconds, pages, WeasyPrint's own time for the
    same final HTML (the floor), their ratio, and the peak memory of the whole build."""
    import time
    import tracemalloc

    with translation.override(user_language(user)):
        # Warm-up: the first render in a process also pays for fontconfig and font loading.
        pdf.render_pdf(
            render_to_string("reports/programme.html", report_context("", user, **programme_report_data(programme)))
        )
        started = time.perf_counter()
        data = programme_report_data(programme)
        html = render_to_string("reports/programme.html", report_context(_("Programme progress report"), user, **data))
        result = pdf.render_pdf(html)
        total = time.perf_counter() - started
        floor = pdf.render_pdf(html).seconds
        tracemalloc.start()
        try:
            programme_report(programme, user=user)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return {
        "seconds": round(total, 2),
        "pages": result.pages,
        "render_seconds": round(floor, 2),
        "ratio": round(total / floor, 2) if floor else None,
        "peak_mb": round(peak / 1e6, 1),
    }
