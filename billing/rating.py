"""Rating: usage of one filespace over a window, from its readings. Pure functions over
plain data (no Django), so every figure can be checked by hand; docs/billing.md gives the
formulas and a worked example.

Conventions:
- ``readings`` are sorted by ``taken_at`` and hold the last reading taken before the
  window (if any) followed by those taken inside it; later ones are ignored.
- Windows are half-open ``[start, end)`` of aware datetimes; a filespace exists over
  ``[exists_from, exists_until)`` (``exists_until`` None while it lives).
- A GB is 10^9 bytes. Quantities are rounded half up to 6 decimals; amounts are rounded
  only once, by billing.money.round_money, from the rounded quantity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

GB = 10**9
QUANTITY = Decimal("0.000001")
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Reading:
    taken_at: datetime
    used_storage: int
    get_data_size: int
    users_count: int


@dataclass(frozen=True)
class Usage:
    storage_gb_months: Decimal
    egress_gb: Decimal
    egress_bytes: int
    peak_users: int
    user_months: Decimal
    # The part of the window the filespace existed in (None: not at all).
    billed_from: datetime | None = None
    billed_until: datetime | None = None


ZERO_USAGE = Usage(Decimal("0.000000"), Decimal("0.000000"), 0, 0, Decimal("0.000000"))


def round_quantity(value: Decimal) -> Decimal:
    return value.quantize(QUANTITY, rounding=ROUND_HALF_UP)


def _micro(span: timedelta) -> int:
    return span // _MICROSECOND


def _ratio(numerator: int, denominator: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60  # byte-microseconds of a petabyte-month have ~27 digits
        return Decimal(numerator) / Decimal(denominator)


def storage_byte_microseconds(readings: Sequence[Reading], start: datetime, end: datetime) -> int:
    """The integral of usedStorage over [start, end), exact, in byte-microseconds.

    A reading holds from when it was taken until the next one; nothing counts before the
    first reading, and the last one holds until ``end``.
    """
    total = 0
    for index, reading in enumerate(readings):
        following = readings[index + 1].taken_at if index + 1 < len(readings) else end
        hold_from = max(reading.taken_at, start)
        hold_until = min(following, end)
        if hold_until > hold_from:
            total += reading.used_storage * _micro(hold_until - hold_from)
    return total


def storage_gb_months(
    readings: Sequence[Reading], start: datetime, end: datetime, period_length: timedelta
) -> Decimal:
    """Time-weighted average of usedStorage over the period, counted over [start, end), in
    GB-months: integral / (10^9 * length of the whole period)."""
    byte_us = storage_byte_microseconds(readings, start, end)
    return round_quantity(_ratio(byte_us, GB * _micro(period_length)))


def egress_bytes(
    readings: Sequence[Reading],
    start: datetime,
    end: datetime,
    *,
    baseline_at: datetime | None = None,
) -> int:
    """Bytes read in [start, end): the sum of the increases of getDataSize between
    consecutive readings whose later reading falls in the window.

    A counter that went backwards (a reset) counts from zero: the later value is the
    increase. ``baseline_at`` is when the counter was zero (the filespace's creation): the
    first reading ever then counts in full.
    """
    points = [(reading.taken_at, reading.get_data_size) for reading in readings]
    if baseline_at is not None and (not points or baseline_at < points[0][0]):
        points.insert(0, (baseline_at, 0))
    total = 0
    for (_, before), (taken_at, value) in zip(points, points[1:], strict=False):
        if start <= taken_at < end:
            total += value - before if value >= before else value
    return total


def peak_users(readings: Sequence[Reading], start: datetime, end: datetime) -> int:
    """The highest usersCount among the readings in force during [start, end): the last
    one taken at or before ``start`` and every one taken inside the window."""
    peak = 0
    in_force_at_start: Reading | None = None
    for reading in readings:
        if reading.taken_at <= start:
            in_force_at_start = reading
        elif reading.taken_at < end:
            peak = max(peak, reading.users_count)
    if in_force_at_start is not None:
        peak = max(peak, in_force_at_start.users_count)
    return peak


def user_months(peak: int, start: datetime, end: datetime, period_length: timedelta) -> Decimal:
    """The peak number of users times the share of the period in [start, end)."""
    if end <= start:
        return round_quantity(Decimal(0))
    return round_quantity(_ratio(peak * _micro(end - start), _micro(period_length)))


def existence_window(
    start: datetime, end: datetime, exists_from: datetime, exists_until: datetime | None
) -> tuple[datetime, datetime] | None:
    """The part of [start, end) in which the filespace existed, or None."""
    lo = max(start, exists_from)
    hi = end if exists_until is None else min(end, exists_until)
    return (lo, hi) if hi > lo else None


def rate_usage(
    readings: Sequence[Reading],
    *,
    start: datetime,
    end: datetime,
    period_length: timedelta,
    exists_from: datetime,
    exists_until: datetime | None = None,
) -> Usage:
    """Storage, egress and users of one filespace over [start, end) of a period."""
    window = existence_window(start, end, exists_from, exists_until)
    if window is None:
        return ZERO_USAGE
    lo, hi = window
    live = [r for r in readings if exists_until is None or r.taken_at < exists_until]
    read = egress_bytes(live, lo, hi, baseline_at=exists_from)
    peak = peak_users(live, lo, hi)
    return Usage(
        storage_gb_months=storage_gb_months(live, lo, hi, period_length),
        egress_gb=round_quantity(_ratio(read, GB)),
        egress_bytes=read,
        peak_users=peak,
        user_months=user_months(peak, lo, hi, period_length),
        billed_from=lo,
        billed_until=hi,
    )


def share_of_period(start: datetime, end: datetime, period_length: timedelta) -> Decimal:
    """[start, end) as a fraction of the period, unrounded (for prorating plan amounts)."""
    return _ratio(_micro(end - start), _micro(period_length))
