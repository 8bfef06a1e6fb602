"""Usage charts draw what rating bills: a gauge (storage, users) holds each reading until
the next, so its line is a staircase, not a slope between readings."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from django.urls import reverse

from billing.charts import line_chart
from tests.billing.factories import filespace_existing, reading

GB = 10**9
DAY = timedelta(days=1)
START = datetime(2026, 11, 1, tzinfo=UTC)


def corners(points: str) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in points.split()]


def test_a_step_chart_holds_each_value_until_the_next_reading_and_the_last_until_the_end():
    chart = line_chart(
        [(START, 0.0), (START + DAY, 10.0), (START + 2 * DAY, 5.0)],
        start=START, end=START + 4 * DAY, label="Storage used", unit="GB", step=True,
    )  # fmt: skip
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), (x4, y4), (x5, y5) = corners(chart.points)
    assert y1 == y0 and x1 > x0  # 0 held for the first day
    assert x2 == x1 and y2 < y1  # then up to 10
    assert y3 == y2 and x4 == x3 and y4 > y3  # 10 held for a day, then down to 5
    assert y5 == y4 and x5 == chart.width - 12  # 5 held until the end of the plot


def test_without_step_the_line_joins_the_points():
    chart = line_chart(
        [(START, 0.0), (START + DAY, 10.0)], start=START, end=START + 2 * DAY, label="x", unit="u"
    )
    assert len(corners(chart.points)) == 2


def test_the_storage_chart_on_the_usage_page_is_a_staircase(owner, owner_client):
    fs = filespace_existing(customer=owner.customer, name="media", created_at=START - DAY)
    for day, used in enumerate([100, 300, 200]):
        reading(fs, START + day * DAY, used=used * GB, users=day + 1)
    with time_machine.travel(START + 5 * DAY, tick=False):
        page = owner_client.get(
            reverse("billing_filespace_usage", args=[fs.pk]), {"days": 7}
        ).content.decode()
    lines = re.findall(r'<polyline[^>]* points="([^"]+)"', page)
    storage, users = corners(lines[0]), corners(lines[1])
    for line in (storage, users):
        assert len(line) == 6
        for (ax, ay), (bx, by) in zip(line, line[1:], strict=False):
            assert ax == bx or ay == by  # only flat runs and jumps, no slopes
