"""Rating by hand: every expected figure below is worked out in the comment beside it
(docs/billing.md has the formulas)."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.periods import Period
from billing.rating import (
    Reading,
    egress_bytes,
    peak_users,
    rate_usage,
    storage_byte_microseconds,
    storage_gb_months,
)

GB = 10**9
H = timedelta(hours=1)


def hourly(start, end, *, used=0, read_per_hour=0, users=0, read_from=0):
    out, t, read = [], start, read_from
    while t < end:
        out.append(Reading(t, used, read, users))
        t += H
        read += read_per_hour
    return out


@pytest.fixture
def utc(settings):
    settings.BILLING_TIME_ZONE = "UTC"


@pytest.mark.parametrize(("label", "days"), [("2026-02", 28), ("2026-04", 30), ("2026-01", 31)])
def test_a_constant_terabyte_all_month_is_1000_gb_months_whatever_the_length(utc, label, days):
    period = Period.from_label(label)
    readings = hourly(period.start, period.end, used=1000 * GB)
    assert len(readings) == days * 24
    usage = rate_usage(
        readings, start=period.start, end=period.end, period_length=period.length,
        exists_from=period.start - timedelta(days=3),
    )  # fmt: skip
    assert usage.storage_gb_months == Decimal("1000.000000")


@pytest.mark.parametrize(
    ("label", "gb_months", "user_months"),
    [
        # 300 GB for 5 of 28 days: 300 * 5 / 28 = 53.5714285.. ; 3 users * 5/28 = 0.5357142..
        ("2026-02", "53.571429", "0.535714"),
        # 300 * 5 / 30 = 50 exactly; 3 * 5 / 30 = 0.5
        ("2026-04", "50.000000", "0.500000"),
        # 300 * 5 / 31 = 48.3870967.. ; 3 * 5 / 31 = 0.4838709..
        ("2026-01", "48.387097", "0.483871"),
    ],
)
def test_a_filespace_created_on_the_15th_and_deleted_on_the_20th(
    utc, label, gb_months, user_months
):
    period = Period.from_label(label)
    created = period.start + timedelta(days=14)  # the 15th, 00:00
    deleted = period.start + timedelta(days=19)  # the 20th, 00:00
    # Readings go on after the deletion (a stale upstream): none of them may count.
    readings = hourly(created, deleted + timedelta(days=2), used=300 * GB, users=3)
    usage = rate_usage(
        readings, start=period.start, end=period.end, period_length=period.length,
        exists_from=created, exists_until=deleted,
    )  # fmt: skip
    assert usage.storage_gb_months == Decimal(gb_months)
    assert usage.peak_users == 3
    assert usage.user_months == Decimal(user_months)
    assert (usage.billed_from, usage.billed_until) == (created, deleted)


def test_a_counter_that_goes_backwards_counts_from_zero():
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    values = [0, 100, 250, 40, 90]  # reset between the 3rd and 4th reading
    readings = [Reading(t0 + i * H, 0, v, 0) for i, v in enumerate(values)]
    # 100 + 150 + 40 (the reset: from zero) + 50 = 340, never 340 - 210
    assert egress_bytes(readings, t0, t0 + 10 * H) == 340


def test_the_first_reading_counts_from_creation_when_a_baseline_is_given():
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    readings = [Reading(t0 + H, 0, 70, 0), Reading(t0 + 2 * H, 0, 100, 0)]
    assert egress_bytes(readings, t0, t0 + 3 * H, baseline_at=t0) == 100
    assert egress_bytes(readings, t0, t0 + 3 * H) == 30


def test_a_gap_in_the_readings_holds_the_last_value(utc):
    period = Period.from_label("2026-04")  # 30 days
    d = timedelta(days=1)
    readings = [
        Reading(period.start, 100 * GB, 0, 2),
        # nothing for ten days (collection was down), then:
        Reading(period.start + 10 * d, 200 * GB, 5 * GB, 4),
    ]
    usage = rate_usage(
        readings, start=period.start, end=period.end, period_length=period.length,
        exists_from=period.start,
    )  # fmt: skip
    # (100 GB * 10 days + 200 GB * 20 days) / 30 days = 5000 / 30 = 166.6666..
    assert usage.storage_gb_months == Decimal("166.666667")
    # the bytes read during the gap are seen by the reading after it: 5 GB
    assert usage.egress_gb == Decimal("5.000000")
    assert usage.peak_users == 4
    assert usage.user_months == Decimal("4.000000")


def test_a_reading_exactly_on_the_boundary_belongs_to_the_period_it_starts(utc):
    march, april = Period.from_label("2026-03"), Period.from_label("2026-04")
    readings = [
        Reading(april.start - H, 10 * GB, 100, 1),  # 31 March 23:00
        Reading(april.start, 20 * GB, 160, 5),  # 1 April 00:00, on the boundary
        Reading(april.start + H, 20 * GB, 200, 5),
    ]
    # March: the 23:00 reading holds until 00:00, one hour of 10 GB out of 744 hours.
    in_march = rate_usage(
        readings, start=march.start, end=march.end, period_length=march.length,
        exists_from=april.start - 2 * H,
    )  # fmt: skip
    assert storage_byte_microseconds(readings, march.start, march.end) == 10 * GB * 3600 * 10**6
    assert in_march.storage_gb_months == Decimal("0.013441")  # 10 / 744 = 0.0134408..
    assert in_march.egress_bytes == 100  # from creation (22:00, zero) to 23:00
    assert in_march.peak_users == 1
    in_april = rate_usage(
        readings, start=april.start, end=april.end, period_length=april.length,
        exists_from=april.start - 2 * H,
    )  # fmt: skip
    assert in_april.egress_bytes == 60 + 40  # the boundary reading's increase is April's
    assert in_april.peak_users == 5  # the 23:00 reading no longer holds at 00:00
    assert in_april.storage_gb_months == Decimal("20.000000")


def test_dst_a_filespace_that_lived_on_the_short_day_only(settings):
    settings.BILLING_TIME_ZONE = "Europe/Amsterdam"
    march = Period.from_label("2026-03")  # 743 hours: the clocks went forward on the 29th
    created = datetime(2026, 3, 28, 23, tzinfo=UTC)  # 29 March 00:00 CET
    deleted = datetime(2026, 3, 29, 22, tzinfo=UTC)  # 30 March 00:00 CEST: 23 hours later
    readings = hourly(created, deleted, used=1000 * GB, users=2)
    usage = rate_usage(
        readings, start=march.start, end=march.end, period_length=march.length,
        exists_from=created, exists_until=deleted,
    )  # fmt: skip
    # 1000 GB * 23 h / 743 h = 30.9555854..  (a wall-clock month would say 24/744)
    assert usage.storage_gb_months == Decimal("30.955585")
    # 2 users * 23 / 743 = 0.0619111..
    assert usage.user_months == Decimal("0.061911")


def test_nothing_is_billed_before_the_first_reading(utc):
    period = Period.from_label("2026-04")
    first = period.start + timedelta(days=15)
    readings = [Reading(first, 60 * GB, 0, 1)]
    gb_months = storage_gb_months(readings, period.start, period.end, period.length)
    assert gb_months == Decimal("30.000000")  # 60 GB for 15 of 30 days


def test_peak_users_takes_the_reading_in_force_at_the_start():
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    readings = [Reading(t0 - H, 0, 0, 9), Reading(t0 + H, 0, 0, 2)]
    assert peak_users(readings, t0, t0 + 2 * H) == 9
    assert peak_users(readings, t0 + H, t0 + 2 * H) == 2
    assert peak_users([], t0, t0 + H) == 0


def test_a_filespace_deleted_before_the_window_costs_nothing(utc):
    period = Period.from_label("2026-04")
    readings = hourly(period.start - timedelta(days=5), period.start, used=GB, users=1)
    usage = rate_usage(
        readings, start=period.start, end=period.end, period_length=period.length,
        exists_from=period.start - timedelta(days=5), exists_until=period.start,
    )  # fmt: skip
    assert usage.billed_from is None
    assert usage.storage_gb_months == usage.user_months == Decimal(0)


# --- Properties -----------------------------------------------------------------------------

T0 = datetime(2026, 4, 1, tzinfo=UTC)
counters = st.lists(st.integers(min_value=0, max_value=10**15), min_size=0, max_size=40)
gauges = st.lists(st.integers(min_value=0, max_value=10**15), min_size=1, max_size=40)


@given(values=counters, split=st.integers(min_value=0, max_value=45))
def test_egress_is_never_negative_and_splitting_a_window_neither_loses_nor_doubles(values, split):
    readings = [Reading(T0 + i * H, 0, v, 0) for i, v in enumerate(values)]
    end = T0 + 50 * H
    middle = T0 + split * H
    whole = egress_bytes(readings, T0, end, baseline_at=T0 - H)
    assert whole >= 0
    parts = egress_bytes(readings, T0, middle, baseline_at=T0 - H) + egress_bytes(
        readings, middle, end, baseline_at=T0 - H
    )
    assert parts == whole


@given(values=gauges, split_minutes=st.integers(min_value=0, max_value=50 * 60))
def test_storage_integral_is_exactly_additive_over_a_split(values, split_minutes):
    readings = [Reading(T0 + i * H, v, 0, 0) for i, v in enumerate(values)]
    end = T0 + 50 * H
    middle = T0 + timedelta(minutes=split_minutes)
    whole = storage_byte_microseconds(readings, T0, end)
    assert whole == storage_byte_microseconds(readings, T0, middle) + (
        storage_byte_microseconds(readings, middle, end)
    )


@given(used=st.integers(min_value=0, max_value=10**16))
def test_a_constant_gauge_over_a_whole_period_is_its_value_in_gb(used):
    period_length = timedelta(days=31)
    readings = [Reading(T0, used, 0, 0)]
    gb_months = storage_gb_months(readings, T0, T0 + period_length, period_length)
    assert gb_months == (Decimal(used) / GB).quantize(Decimal("0.000001"), ROUND_HALF_UP)
