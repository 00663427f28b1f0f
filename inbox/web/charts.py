"""A small server-side SVG line chart (no JavaScript), for the weekly trend."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

# Steps for a time axis, in hours: the first that gives at most five intervals.
HOUR_STEPS = (1, 2, 4, 6, 8, 12, 24, 48, 72, 168)


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]
    colour: str
    dash: str = ""  # a dash pattern too, so the lines differ in more than colour
    unit: str = ""


@dataclass(frozen=True)
class Axis:
    """The value axis: from 0 to ``top``, with a labelled grid line at each tick."""

    top: float
    ticks: tuple[float, ...]


def rate_axis() -> Axis:
    """A share in per cent: always 0 to 100 %, never more."""
    return Axis(100.0, (0.0, 25.0, 50.0, 75.0, 100.0))


def hours_axis(values: list[float | None], target: float | None = None) -> Axis:
    """Hours from 0 to a round number at or above every value and the target."""
    top = max([v for v in values if v is not None] + ([target] if target else []) + [0.0])
    step = next((s for s in HOUR_STEPS if top <= s * 5), HOUR_STEPS[-1])
    n = max(1, math.ceil(top / step)) if top > 0 else 1
    return Axis(float(step * n), tuple(float(step * i) for i in range(n + 1)))


def _tick(value: float, unit: str) -> str:
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} {unit}".strip()


def line_chart(
    labels: list[str],
    series: Series,
    *,
    key: str,
    title: str,
    axis: Axis,
    target: float | None = None,
    target_label: str = "",
    width: int = 560,
    height: int = 200,
) -> str:
    """One series as an accessible SVG: a title, a description, labelled points and axis.

    ``key`` names the chart's title and description elements, so it must be unique
    on the page; ``target`` draws a dashed line at that value, labelled ``target_label``."""
    pad_l, pad_r, pad_t, pad_b = 52, 12, 16, 28
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    n = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return pad_l + plot_w * i / n

    def y(v: float) -> float:
        return pad_t + plot_h * (1 - min(v, axis.top) / axis.top)

    points = [(x(i), y(v), v) for i, v in enumerate(series.values) if v is not None]
    desc = "; ".join(
        f"{labels[i]}: {'–' if v is None else _tick(round(v, 1), series.unit)}"
        for i, v in enumerate(series.values)
    )
    if target is not None:
        desc += f"; {target_label}: {_tick(target, series.unit)}"
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" class="chart">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(desc)}</desc>',
    ]
    for tick in axis.ticks:
        ty = y(tick)
        stroke = "#555" if tick == 0 else "#d4d4d4"
        out.append(
            f'<line x1="{pad_l}" y1="{ty:.1f}" x2="{width - pad_r}" y2="{ty:.1f}" '
            f'stroke="{stroke}"/>'
            f'<text x="{pad_l - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'class="tick">{escape(_tick(tick, series.unit))}</text>'
        )
    if target is not None:
        ty = y(target)
        out.append(
            f'<line x1="{pad_l}" y1="{ty:.1f}" x2="{width - pad_r}" y2="{ty:.1f}" '
            'stroke="#374151" stroke-width="1.5" stroke-dasharray="2 3" class="target"/>'
            f'<text x="{width - pad_r}" y="{ty - 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(target_label)} {escape(_tick(target, series.unit))}</text>"
        )
    step = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % step == 0:
            out.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="11">'
                f"{escape(label)}</text>"
            )
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        out.append(
            f'<polyline fill="none" stroke="{series.colour}" stroke-width="2.5"{dash} '
            f'points="{path}"/>'
        )
    for px, py, v in points:
        out.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{series.colour}">'
            f"<title>{escape(_tick(round(v, 1), series.unit))}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)
