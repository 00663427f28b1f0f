"""The trend charts' axes: a rate from 0 to 100 %, hours up to a round number."""

from __future__ import annotations

import re

from inbox.web.charts import Series, hours_axis, line_chart, rate_axis


def _tick_labels(svg: str) -> list[str]:
    return re.findall(r'class="tick">([^<]*)</text>', svg)


def test_a_rate_axis_ends_at_100_percent_whatever_the_values() -> None:
    svg = line_chart(
        ["v1", "v2", "v3"],
        Series("Svarsfrekvens", [96.9, 100.0, 91.2], "#000", unit="%"),
        key="rate",
        title="Svarsfrekvens",
        axis=rate_axis(),
    )
    assert _tick_labels(svg) == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert "110" not in svg
    # 100 % is drawn on the top grid line, not below a padded top.
    top = re.search(r'<line x1="52" y1="([\d.]+)"[^>]*stroke="#d4d4d4"/><text[^>]*>100 %', svg)
    assert top is not None
    assert float(top.group(1)) == 16.0
    points = re.search(r'points="([^"]+)"', svg)
    assert points is not None
    ys = [float(p.split(",")[1]) for p in points.group(1).split()]
    assert min(ys) == 16.0  # the 100 % week touches the top


def test_an_hours_axis_reaches_a_round_number_above_the_values_and_the_target() -> None:
    assert hours_axis([3.5, 7.0]).ticks == (0.0, 2.0, 4.0, 6.0, 8.0)
    axis = hours_axis([3.5, 7.0], target=24.0)
    assert axis.top == 24.0
    assert axis.ticks[-1] == 24.0
    assert hours_axis([None, None]).top > 0
    svg = line_chart(
        ["v1", "v2"],
        Series("Median", [3.5, 7.0], "#000", unit="h"),
        key="median",
        title="Median",
        axis=axis,
        target=24.0,
        target_label="Mål",
    )
    assert 'class="target"' in svg
    assert "Mål 24 h" in svg
    assert "Mål: 24 h" in svg  # in the description a screen reader reads


def test_a_chart_is_named_by_its_key_the_same_on_every_drawing() -> None:
    def draw() -> str:
        return line_chart(
            ["v1"], Series("x", [50.0], "#000", unit="%"), key="rate", title="T", axis=rate_axis()
        )

    svg = draw()
    assert 'aria-labelledby="rate-title rate-desc"' in svg
    assert '<title id="rate-title">T</title>' in svg
    assert '<desc id="rate-desc">v1: 50 %</desc>' in svg
    assert draw() == svg
