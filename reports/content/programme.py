"""The programme progress report: participation by organisation and sector, sessions per
activity kind and measure area, measure status, groups and mentoring, commitments, and
survey trends between waves — for the whole programme or a period.

A figure is one grouped query whatever the size of the programme (see
`programme_participation` for the one roll-up done in Python).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.models import (
    Commitment,
    GuestInvitation,
    Measure,
    MeasureArea,
    Participant,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
)
from reflection_groups.models import GroupMeeting, GroupMembership, MentorPair, PairMeeting, ReflectionGroup
from reports.charts import bar_chart
from reports.content import HELD_STATUSES, kind_label
from reports.period import Period
from surveys.models import Survey
from surveys.results import Comparison, min_respondents, wave_comparison
from toppleder import reference
from toppleder.models import Leader


def held_sessions(programme: Programme, period: Period):
    """The programme's sessions in the period that have taken place (published or completed, begun)."""
    return Session.objects.filter(
        Q(programme=programme, status__in=HELD_STATUSES, starts_at__lte=timezone.now()) & period.filter("starts_at")
    )


def programme_participation(programme: Programme, period: Period) -> dict:
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


def programme_hybrid_by_mode(programme: Programme, period: Period) -> dict:
    """Hybrid sessions in the period (not drafts or cancelled): signed up and attended, in the
    room and online. One grouped query over the registrations."""
    sessions = {
        s.pk: s
        for s in Session.objects.filter(
            Q(programme=programme, format=Session.Format.HYBRID)
            & ~Q(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
            & period.filter("starts_at")
        ).order_by("starts_at", "pk")
    }
    rows = {pk: {"session": s, "room": [0, 0], "online": [0, 0]} for pk, s in sessions.items()}
    for r in (
        Registration.objects.filter(session_id__in=list(sessions), status=Registration.Status.CONFIRMED)
        .values("session", "mode")
        .annotate(signed=Count("id"), attended=Count("id", filter=Q(attendance=Registration.Attendance.ATTENDED)))
        .order_by()
    ):
        rows[r["session"]][r["mode"]] = [r["signed"], r["attended"]]
    rows = list(rows.values())
    total = {mode: [sum(r[mode][i] for r in rows) for i in (0, 1)] for mode in ("room", "online")}
    return {"rows": rows, "total": total}


def programme_guests(programme: Programme, period: Period) -> dict:
    """Participants who are not leaders (politicians, union representatives, guests…) by
    category: invited, confirmed and attended, per session and per activity kind. Leaders
    invited by name count as leaders, not here. Three grouped queries whatever the size."""
    sessions = {
        s.pk: s
        for s in Session.objects.filter(
            Q(programme=programme)
            & ~Q(status__in=[Session.Status.DRAFT, Session.Status.CANCELLED])
            & period.filter("starts_at")
        ).order_by("starts_at", "pk")
    }
    cells: dict = {}

    def cell(session_id, category):
        return cells.setdefault((session_id, category), {"invited": 0, "signed": 0, "attended": 0})

    for r in (
        GuestInvitation.objects.filter(session_id__in=list(sessions), participant__isnull=False)
        .values("session", "participant__category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        cell(r["session"], r["participant__category"])["invited"] = r["n"]
    for r in (
        Registration.objects.filter(
            session_id__in=list(sessions), participant__isnull=False, status=Registration.Status.CONFIRMED
        )
        .values("session", "participant__category")
        .annotate(signed=Count("id"), attended=Count("id", filter=Q(attendance=Registration.Attendance.ATTENDED)))
        .order_by()
    ):
        c = cell(r["session"], r["participant__category"])
        c["signed"], c["attended"] = r["signed"], r["attended"]
    order = list(Participant.Category.values)
    labels = dict(Participant.Category.choices)
    rows = [
        {"session": sessions[sid], "category": str(labels[cat]), **cells[(sid, cat)]}
        for sid in sessions
        for cat in order
        if (sid, cat) in cells
    ]
    kinds: dict = {}
    for (sid, cat), c in cells.items():
        k = kinds.setdefault((sessions[sid].kind, cat), {"sessions": set(), "invited": 0, "signed": 0, "attended": 0})
        k["sessions"].add(sid)
        for key in ("invited", "signed", "attended"):
            k[key] += c[key]
    kind_order = [e["key"] for e in reference.entries("activity_kinds")]
    by_kind = [
        {"kind": kind_label(kind), "category": str(labels[cat]), **{**v, "sessions": len(v["sessions"])}}
        for (kind, cat), v in sorted(kinds.items(), key=lambda kv: (kind_order.index(kv[0][0]), order.index(kv[0][1])))
    ]
    total = {key: sum(r[key] for r in rows) for key in ("invited", "signed", "attended")}
    return {"rows": rows, "by_kind": by_kind, "total": total}


def programme_group_figures(programme: Programme, period: Period) -> dict:
    """Counts for reflection/network groups and mentor pairs: groups, members, meetings held
    and attendances per group kind; pairs and meetings per mentoring scheme. Proposals (HR's
    drafts) are left out. Only ids, kinds and statuses are selected, never a note."""
    groups = ReflectionGroup.objects.filter(programme=programme).exclude(status=ReflectionGroup.Status.PROPOSED)
    by_kind = {r["kind"]: r["groups"] for r in groups.values("kind").annotate(groups=Count("id", distinct=True))}
    members = {
        r["group__kind"]: r["n"]
        for r in GroupMembership.objects.filter(group__in=groups, active=True)
        .values("group__kind")
        .annotate(n=Count("leader", distinct=True))
    }
    meetings = {
        r["group__kind"]: r
        for r in GroupMeeting.objects.filter(
            Q(group__in=groups) & period.filter("starts_at") & Q(starts_at__lte=timezone.now())
        )
        .values("group__kind")
        .annotate(n=Count("id", distinct=True), attendances=Count("attendance", distinct=True))
    }
    kinds = [
        {
            "label": str(label),
            "groups": by_kind.get(key, 0),
            "members": members.get(key, 0),
            "meetings": meetings.get(key, {}).get("n", 0),
            "attendances": meetings.get(key, {}).get("attendances", 0),
        }
        for key, label in ReflectionGroup.Kind.choices
    ]

    pairs = MentorPair.objects.filter(programme=programme).exclude(status=MentorPair.Status.PROPOSED)
    pair_rows = {
        r["scheme"]: r
        for r in pairs.values("scheme").annotate(
            pairs=Count("id"),
            active=Count("id", filter=Q(status=MentorPair.Status.ACTIVE)),
            closed=Count("id", filter=Q(status=MentorPair.Status.CLOSED)),
        )
    }
    pair_meetings = {
        r["pair__scheme"]: r["n"]
        for r in PairMeeting.objects.filter(Q(pair__in=pairs) & period.filter_dates("date"))
        .values("pair__scheme")
        .annotate(n=Count("id"))
    }
    schemes = [
        {
            "label": str(label),
            "pairs": pair_rows.get(key, {}).get("pairs", 0),
            "active": pair_rows.get(key, {}).get("active", 0),
            "closed": pair_rows.get(key, {}).get("closed", 0),
            "meetings": pair_meetings.get(key, 0),
        }
        for key, label in MentorPair.Scheme.choices
    ]
    return {"kinds": kinds, "schemes": schemes}


def programme_courses(programme: Programme) -> list[dict]:
    """The leader-group courses and how far each has come (programmes.selectors.course_overview:
    four grouped queries whatever the number of courses)."""
    from programmes.selectors import course_overview

    return [
        {
            "title": c.title,
            "groups": ", ".join(g.name for g in c.groups.all()),
            "facilitator": str(c.facilitator) if c.facilitator else "",
            "held": c.held,
            "planned": c.planned,
            "members": c.members,
            "attendance_percent": c.attendance_percent,
        }
        for c in course_overview(programme)
    ]


def programme_projects(programme: Programme) -> list[dict]:
    """The collaboration projects: organisations, leaders, sessions worked on, status and
    outcome, with the commitments and measures they are linked to (a fixed number of queries)."""
    from programmes.models import CollaborationProject
    from programmes.selectors import projects_listed

    return [
        {
            "title": p.title,
            "organisations": ", ".join(o.name for o in p.organisations.all()),
            "leaders": p.n_leaders,
            "sessions": p.n_sessions,
            "commitments": p.n_commitments,
            "measures": "; ".join(m.text for m in p.measures.all()),
            "status": p.get_status_display(),
            "outcome": p.outcome,
        }
        for p in projects_listed(CollaborationProject.objects.filter(programme=programme))
    ]


@dataclass(frozen=True)
class TrendLine:
    """One dimension in one wave, as a line of the report's table and the summary's rows."""

    dimension: str
    wave: str
    n: int | None
    mean: float | None
    suppressed: bool


def wave_label(survey: Survey) -> str:
    return f"{_('Wave')} {survey.wave}"


def programme_survey_trends(programme: Programme, period: Period) -> list[Comparison]:
    """For each survey series, the baseline against its latest follow-up that closed in the
    period (`surveys.results.wave_comparison`, which hides what must be hidden). Series
    without two comparable waves are left out. The programme's own waves only: a group's
    waves (`group_ref`) are its facilitator's to read, compared with the group's own."""
    followups = Survey.objects.filter(
        Q(programme=programme, kind=Survey.Kind.FOLLOW_UP, closes_at__lte=timezone.now(), group_ref__isnull=True)
        & period.filter("closes_at")
    ).order_by("series", "-wave", "-closes_at")
    seen, comparisons = set(), []
    for survey in followups:
        if survey.series in seen:
            continue
        seen.add(survey.series)
        comparison = wave_comparison(survey)
        if comparison.available:
            comparisons.append(comparison)
    return comparisons


def trend_lines(comparisons: list[Comparison]) -> list[TrendLine]:
    """Two lines per dimension (before, after); a suppressed row carries no figures."""
    lines = []
    for comp in comparisons:
        before, after = wave_label(comp.before), wave_label(comp.after)
        for r in comp.rows:
            lines.append(TrendLine(str(r.label), before, r.n_before, r.mean_before, r.suppressed))
            lines.append(TrendLine(str(r.label), after, r.n_after, r.mean_after, r.suppressed))
    return lines


def trend_charts(uid: str, comparisons: list[Comparison]) -> list:
    """One chart per series: the average per dimension in each wave, hidden rows left out."""
    charts = []
    for comp in comparisons:
        rows = [
            {
                "label": str(r.label),
                "values": [None if m is None else round(m, 1) for m in (r.mean_before, r.mean_after)],
            }
            for r in comp.rows
            if r.mean_before is not None or r.mean_after is not None
        ]
        chart = bar_chart(
            f"{uid}-trends-{comp.after.pk}",
            _("Average score per dimension and wave"),
            _("Average score (1–5) per survey wave; waves with too few answers are left out."),
            [wave_label(comp.before), wave_label(comp.after)],
            rows,
            axis_max=5,
            value_format="{:.1f}",
        )
        if chart is not None:
            chart.show_table = False  # the table of dimensions, waves and answers below says it all
            charts.append(chart)
    return charts


def mentoring_evaluations(programme: Programme) -> list[dict]:
    """Per mentoring scheme: the end-of-pair evaluations pooled over its pairs per year
    (surveys.results.pair_cohorts: k counted over the pairs' answers, a year shown once it is
    over) and the change from one year to the next with its interval."""
    from surveys.results import pair_cohort_change, pair_cohorts

    out = []
    for key, label in MentorPair.Scheme.choices:
        cohorts = pair_cohorts(programme, key)
        if not cohorts:
            continue
        shown = [c for c in cohorts if c.available]
        change = pair_cohort_change(shown[-2], shown[-1]) if len(shown) >= 2 else []
        out.append(
            {
                "label": str(label),
                "cohorts": cohorts,
                "change": change,
                "change_years": (shown[-2].year, shown[-1].year) if change else None,
            }
        )
    return out


def factor_participation(programme: Programme, period: Period) -> dict:
    """Organisations' own 10-FAKTOR factor averages (imported by HR) per year, beside that
    organisation's participation in the programme in the same year. Factor averages only
    (the import holds no items, and refused every unit under k); an organisation with fewer
    than k leaders taking part is left out and only counted. A side-by-side, not an effect.

    Five grouped queries whatever the number of organisations: the scores, the leaders per
    organisation, the enrolments, the attendance per organisation and year, the group members.
    """
    from django.db.models.functions import ExtractYear

    from surveys.models import OrganisationFactorScore

    k = min_respondents()
    scores = OrganisationFactorScore.objects.all()
    if period.start:
        scores = scores.filter(year__gte=period.start.year)
    if period.end:
        scores = scores.filter(year__lte=period.end.year)
    per_org: dict = {}
    for org_id, name, year, factor, mean in scores.values_list(
        "organisation_id", "organisation__name", "year", "factor", "mean"
    ).order_by():
        entry = per_org.setdefault(org_id, {"name": name, "years": set(), "means": {}})
        entry["years"].add(year)
        entry["means"][(factor, year)] = mean
    if not per_org:
        return {"organisations": [], "hidden": 0, "k": k}

    leaders = dict(
        Leader.objects.filter(organisation_id__in=per_org, user__is_active=True)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
        .order_by()
    )
    enrolments = ProgrammeEnrolment.objects.active().filter(programme=programme, leader__organisation_id__in=per_org)
    if period.end:
        enrolments = enrolments.filter(enrolled_at__lt=period.bounds()[1])
    enrolled_years: dict = {}
    for org_id, year in (
        enrolments.annotate(y=ExtractYear("enrolled_at")).values_list("leader__organisation_id", "y").order_by()
    ):
        enrolled_years.setdefault(org_id, []).append(year)
    attended = {
        (r["leader__organisation_id"], r["y"]): (r["leaders"], r["attendances"])
        for r in Registration.objects.filter(
            session_id__in=held_sessions(programme, period).values("pk"),
            attendance=Registration.Attendance.ATTENDED,
            leader__organisation_id__in=per_org,
        )
        .annotate(y=ExtractYear("session__starts_at"))
        .values("leader__organisation_id", "y")
        .annotate(leaders=Count("leader", distinct=True), attendances=Count("id"))
        .order_by()
    }
    group_years: dict = {}
    for org_id, leader_id, year in (
        GroupMembership.objects.filter(group__programme=programme, leader__organisation_id__in=per_org)
        .exclude(group__status=ReflectionGroup.Status.PROPOSED)
        .annotate(y=ExtractYear("joined"))
        .values_list("leader__organisation_id", "leader_id", "y")
        .order_by()
    ):
        first = group_years.setdefault(org_id, {})
        first[leader_id] = min(year, first.get(leader_id, year))

    factor_order = [(e["key"], reference.label(e)) for e in reference.entries("ten_factors")]
    organisations, hidden = [], 0
    for org_id, entry in sorted(per_org.items(), key=lambda item: item[1]["name"]):
        taking_part = len(enrolled_years.get(org_id, []))
        if taking_part < k:
            hidden += 1  # too few of its leaders take part: not shown, not named
            continue
        years = sorted(entry["years"])
        n_leaders = leaders.get(org_id, 0)

        def enrolled_by(year, org_id=org_id):
            return sum(1 for y in enrolled_years.get(org_id, []) if y <= year)

        enrolled = [enrolled_by(y) for y in years]
        participation = [
            {
                "label": _("Leaders enrolled (share of its leaders)"),
                "values": [f"{n} ({round(100 * n / n_leaders)} %)" if n_leaders else str(n) for n in enrolled],
            },
            {
                "label": _("Leaders who attended a session that year"),
                "values": [str(attended.get((org_id, y), (0, 0))[0]) for y in years],
            },
            {
                "label": _("Session attendances that year"),
                "values": [str(attended.get((org_id, y), (0, 0))[1]) for y in years],
            },
            {
                "label": _("Leaders in a reflection or network group"),
                "values": [str(sum(1 for first in group_years.get(org_id, {}).values() if first <= y)) for y in years],
            },
        ]
        factors = [
            {"label": str(label), "values": [entry["means"].get((key, y)) for y in years]}
            for key, label in factor_order
            if any((key, y) in entry["means"] for y in years)
        ]
        organisations.append(
            {
                "name": entry["name"],
                "leaders": n_leaders,
                "taking_part": taking_part,
                "years": years,
                "participation": participation,
                "factors": factors,
            }
        )
    return {"organisations": organisations, "hidden": hidden, "k": k}


def result_chain(
    *, per_kind, per_area, groups, participation, commitments: dict, comparisons, measure_counts: dict
) -> dict:
    """The report's first page, in the order of DFØ's result chain (document 002): what the
    programme did (activities), what that produced for the leaders (outputs) and what changed
    (effects). Only figures the rest of the report already shows, taken from them; the
    survey changes carry their 95 % interval and verdict and stay hidden where the results
    hide them."""
    from surveys import stats

    activities = {
        "kinds": [r for r in per_kind if r["held"]],
        "areas": [r for r in per_area if r["held"]],
        "groups": sum(r["groups"] for r in groups["kinds"]),
        "group_meetings": sum(r["meetings"] for r in groups["kinds"]),
        "pairs_active": sum(r["active"] for r in groups["schemes"]),
        "pair_meetings": sum(r["meetings"] for r in groups["schemes"]),
    }
    made = sum(commitments.values())
    outputs = {
        "enrolled": participation["total"]["enrolled"],
        "attended_one": participation["total"]["one"],
        "attended_half": participation["total"]["half"],
        "commitments_made": made,
        "commitments_kept": commitments.get(Commitment.Status.DONE, 0),
    }
    changes = []
    for comp in comparisons:
        rows = [r for r in comp.rows if not r.suppressed and r.interval is not None]
        changes.append(
            {
                "before": wave_label(comp.before),
                "after": wave_label(comp.after),
                "title": comp.after.title,
                "improved": [r for r in rows if r.verdict == stats.IMPROVEMENT],
                "declined": [r for r in rows if r.verdict == stats.DECLINE],
                "noise": sum(1 for r in rows if r.verdict == stats.NOISE),
                "hidden": sum(1 for r in comp.rows if r.suppressed),
            }
        )
    effects = {
        "changes": changes,
        "measures": [
            {"label": str(label), "n": measure_counts.get(key, 0)}
            for key, label in Measure.Status.choices
            if measure_counts.get(key, 0)
        ],
    }
    return {"activities": activities, "outputs": outputs, "effects": effects}


def programme_report_data(programme: Programme, period: Period | None = None) -> dict:
    """The programme report's context (also one section of the summary)."""
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
    group_figures = programme_group_figures(programme, period)
    comparisons = programme_survey_trends(programme, period)
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
        "groups": group_figures,
        "mentoring": mentoring_evaluations(programme),
        "hybrid": programme_hybrid_by_mode(programme, period),
        "guests": programme_guests(programme, period),
        "trends": trend_lines(comparisons),
        "trend_charts": trend_charts(uid, comparisons),
        "commitments": commitment_rows,
        "courses": programme_courses(programme),
        "projects": programme_projects(programme),
        "n_commitments": sum(commitments.values()),
        "charts": charts,
        "chain": result_chain(
            per_kind=per_kind,
            per_area=per_area,
            groups=group_figures,
            participation=participation,
            commitments=commitments,
            comparisons=comparisons,
            measure_counts={
                key: sum(r.get(key, 0) for r in measure_rows.values()) for key, _label in Measure.Status.choices
            },
        ),
        "factor_participation": factor_participation(programme, period),
        "k": min_respondents(),
    }
