"""The administrator's summary as a spreadsheet: the summary PDF's figures as flat rows
(programme, period, section, item, figure, value), written by `toppleder.spreadsheets`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from reports.content.summary import summary_data
from reports.period import Period
from toppleder.spreadsheets import Sheet


def summary_sheet(period: Period) -> Sheet:
    """Every figure of the summary for `period`, one per row. Survey figures the report hides
    (too few answers) are empty cells here too."""
    header = [_("Programme"), _("Period"), _("Section"), _("Item"), _("Figure"), _("Value")]
    rows = []
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
        for r in s["groups"]["kinds"]:
            rows.append(base + [_("Groups"), r["label"], _("Groups"), r["groups"]])
            rows.append(base + [_("Groups"), r["label"], _("Meetings held"), r["meetings"]])
        for r in s["groups"]["schemes"]:
            rows.append(base + [_("Mentor pairs"), r["label"], _("Pairs"), r["pairs"]])
            rows.append(base + [_("Mentor pairs"), r["label"], _("Meetings held"), r["meetings"]])
        for r in s["commitments"]:
            rows.append(base + [_("Commitments"), r["label"], _("Commitments"), r["n"]])
        for line in s["trends"]:
            rows.append(base + [_("Survey trends"), line.dimension, line.wave, line.mean])
    return Sheet(title=_("Figures"), header=header, rows=rows)
