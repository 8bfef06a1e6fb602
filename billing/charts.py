"""Server-rendered SVG charts (no JavaScript, nothing from a CDN): usage over time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28


@dataclass(frozen=True)
class Chart:
    """Everything a template needs to draw one line chart as SVG."""

    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline>
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]  # x, label, text-anchor
    label: str
    unit: str
    empty: bool
    summary: str  # text alternative for screen readers
    bars: list[tuple[float, float, float, float]] = ()  # x, y, width, height of <rect>s


def _nice_max(value: float, *, whole: bool = False) -> float:
    if whole:  # counts: four whole-numbered steps
        return float(max(4, -(-int(value) // 4) * 4))
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(
    series: Sequence[tuple[datetime, float]],
    *,
    start: datetime,
    end: datetime,
    label: str,
    unit: str,
    whole: bool = False,
    bar_width: timedelta | None = None,
    step: bool = False,
) -> Chart:
    """A line through the points, or with ``bar_width`` one bar per point (its start).
    With ``step`` each value holds until the next point (the last until ``end``), as rating
    holds a gauge such as storage used: the line is flat between readings, then jumps."""
    if not series:
        return Chart(WIDTH, HEIGHT, "", [], [], label, unit, True, f"{label}: no readings yet.")
    top = _nice_max(max(value for _, value in series), whole=whole)
    span = (end - start).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return round(LEFT + plot_w * (moment - start).total_seconds() / span, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    if bar_width:
        points = ""
    elif step:
        corners = [(series[0][0], series[0][1])]
        for (_, held), (t, v) in zip(series, series[1:], strict=False):
            corners += [(t, held), (t, v)]
        corners.append((max(end, series[-1][0]), series[-1][1]))
        points = " ".join(f"{x(t)},{y(v)}" for t, v in corners)
    else:
        points = " ".join(f"{x(t)},{y(v)}" for t, v in series)
    bars = []
    if bar_width:
        width = max(plot_w * bar_width.total_seconds() / span - 1, 1)
        for t, v in series:  # clipped to the plot: the first day may start before it
            left, right = max(x(t), LEFT), min(x(t) + width, WIDTH - RIGHT)
            if right > left:
                bars.append((left, y(v), round(right - left, 1), round(y(0) - y(v), 1)))
    y_ticks = [(y(top * i / 4), f"{Decimal(str(top * i / 4)).normalize():f}") for i in range(5)]
    anchors = ["start", "middle", "middle", "middle", "end"]
    x_ticks = [
        (
            x(start + (end - start) * i / 4),
            (start + (end - start) * i / 4).strftime("%d %b"),
            anchors[i],
        )
        for i in range(5)
    ]
    last_t, last_v = series[-1]
    summary = (
        f"{label} from {series[0][0]:%d %b %Y} to {last_t:%d %b %Y}: "
        f"latest {last_v:.3f} {unit}, highest {max(v for _, v in series):.3f} {unit}."
    )
    return Chart(WIDTH, HEIGHT, points, y_ticks, x_ticks, label, unit, False, summary, bars)
