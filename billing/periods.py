"""Billing periods: calendar months in the billing time zone, half-open [start, end).

Bounds are returned as aware UTC datetimes, so that subtracting them gives the real
elapsed time even across a daylight-saving change (Python subtracts two datetimes that
share a ZoneInfo by wall clock, which would make a DST month 744 hours long).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def billing_tz() -> ZoneInfo:
    return ZoneInfo(settings.BILLING_TIME_ZONE)


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    return datetime(year, month, 1, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True, order=True)
class Period:
    """One month: ``start`` and ``end`` are aware UTC datetimes, ``end`` excluded."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, year: int, month: int) -> Period:
        tz = billing_tz()
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        return cls(_month_start(year, month, tz), _month_start(next_year, next_month, tz))

    @classmethod
    def containing(cls, moment: datetime) -> Period:
        if moment.tzinfo is None:
            raise ValueError("a billing moment must be timezone-aware")
        local = moment.astimezone(billing_tz())
        return cls.of(local.year, local.month)

    @classmethod
    def from_label(cls, label: str) -> Period:
        """``"2026-03"`` -> March 2026 in the billing time zone."""
        match = _LABEL.match(label or "")
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"not a period: {label!r} (expected YYYY-MM)")
        return cls.of(int(match.group(1)), int(match.group(2)))

    @property
    def label(self) -> str:
        local = self.start.astimezone(billing_tz())
        return f"{local.year:04d}-{local.month:02d}"

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(billing_tz())

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(billing_tz())

    def next(self) -> Period:
        return Period.containing(self.end)

    def previous(self) -> Period:
        return Period.containing(self.start - timedelta(microseconds=1))

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return self.label


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last``, both included."""
    result = []
    period = first
    while period <= last:
        result.append(period)
        period = period.next()
    return result
