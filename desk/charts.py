"""Bar charts as plain geometry for inline SVG in the templates (no script, no style
attribute: the CSP allows neither; colours come from classes in desk/desk.css)."""

import math
from dataclasses import dataclass


@dataclass
class Series:
    name: str
    css_class: str  # e.g. "bar-median"; desk.css colours it
    values: list[float | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    *,
    groups: list[str],
    series: list[Series],
    unit: str = "",
    max_value: float | None = None,
    width: int = 640,
    height: int = 200,
) -> dict:
    """Return the SVG geometry of a grouped bar chart: one group per label of GROUPS, one bar
    per series in each; a None value draws no bar. Numbers are rounded for the markup."""
    left, right, top, bottom = 44, 8, 10, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max_value or _nice_max(
        max((v for s in series for v in s.values if v is not None), default=0)
    )
    slot = plot_w / max(len(groups), 1)
    bar_w = max(2.0, (slot * 0.8) / max(len(series), 1))
    bars, labels = [], []
    for g, group in enumerate(groups):
        x0 = left + g * slot + slot * 0.1
        for s, one in enumerate(series):
            value = one.values[g]
            if value is None:
                continue
            h = plot_h * min(value, top_value) / top_value
            bars.append(
                {
                    "x": round(x0 + s * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar_w - 1, 1),
                    "h": round(h, 1),
                    "css_class": one.css_class,
                    "title": f"{group} · {one.name}: {value:g} {unit}".strip(),
                }
            )
        every = max(1, math.ceil(len(groups) / 12))
        if g % every == 0:
            labels.append({"x": round(left + g * slot + slot / 2, 1), "text": group[:14]})
    ticks = [
        {"y": round(top + plot_h - plot_h * i / 4, 1), "text": f"{top_value * i / 4:g}"}
        for i in range(5)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": top + plot_h,
        "label_y": top + plot_h + 16,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "legend": [{"name": s.name, "css_class": s.css_class} for s in series],
        "unit": unit,
        "empty": not bars,
    }
