"""A small server-side SVG line chart (no JavaScript), for the weekly trend."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]
    colour: str
    dash: str = ""  # a dash pattern too, so the lines differ in more than colour
    unit: str = ""


def line_chart(
    labels: list[str], series: Series, *, title: str, width: int = 560, height: int = 200
) -> str:
    """One series as an accessible SVG: a title, a description, labelled points."""
    pad_l, pad_r, pad_t, pad_b = 48, 12, 16, 28
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    present = [v for v in series.values if v is not None]
    top = max(present) if present else 1.0
    top = top * 1.1 if top > 0 else 1.0
    n = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return pad_l + plot_w * i / n

    def y(v: float) -> float:
        return pad_t + plot_h * (1 - v / top)

    points = [(x(i), y(v), v) for i, v in enumerate(series.values) if v is not None]
    desc = "; ".join(
        f"{labels[i]}: {'–' if v is None else f'{v:.1f} {series.unit}'.strip()}"
        for i, v in enumerate(series.values)
    )
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="t-{id(series)} d-{id(series)}" class="chart">',
        f'<title id="t-{id(series)}">{escape(title)}</title>',
        f'<desc id="d-{id(series)}">{escape(desc)}</desc>',
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - pad_r}" y2="{pad_t + plot_h}" '
        'stroke="#555"/>',
        f'<text x="{pad_l - 6}" y="{pad_t + 4}" text-anchor="end" font-size="11">{top:.0f}</text>',
        f'<text x="{pad_l - 6}" y="{pad_t + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
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
            f"<title>{v:.1f} {escape(series.unit)}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)
