"""Bar charts for the PDFs: inline-SVG geometry, drawn by templates/reports/_bar_chart.html.

WeasyPrint draws SVG but runs no JavaScript, so every bar, label and legend entry is
positioned here. Each chart is tagged as a figure with a text alternative, and by default
the template puts the same figures in a table under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    axis: dict = field(default_factory=dict)
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
