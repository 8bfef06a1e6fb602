"""The one rounding rule, and billing periods in the billing time zone."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing.money import round_money
from billing.periods import Period, periods_between


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004999", "0.00"),
        ("2.675", "2.68"),  # a float would say 2.67
        ("-0.005", "-0.01"),  # half up means away from zero, symmetric for credits
        ("10", "10.00"),
    ],
)
def test_round_money_is_half_up_to_the_cent(value, expected):
    assert round_money(Decimal(value)) == Decimal(expected)


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(0.1)


@pytest.mark.parametrize(
    ("label", "days"),
    [("2026-02", 28), ("2028-02", 29), ("2026-04", 30), ("2026-01", 31), ("2026-12", 31)],
)
def test_periods_are_calendar_months(settings, label, days):
    settings.BILLING_TIME_ZONE = "UTC"
    period = Period.from_label(label)
    assert period.length == timedelta(days=days)
    assert period.label == label
    assert period.next().start == period.end


def test_a_month_with_the_spring_dst_change_is_743_hours_long(settings):
    settings.BILLING_TIME_ZONE = "Europe/Amsterdam"
    march = Period.from_label("2026-03")
    assert march.start == datetime(2026, 2, 28, 23, tzinfo=UTC)  # 00:00 CET
    assert march.end == datetime(2026, 3, 31, 22, tzinfo=UTC)  # 00:00 CEST
    assert march.length == timedelta(hours=743)
    assert Period.from_label("2026-10").length == timedelta(hours=745)


def test_a_moment_on_the_boundary_belongs_to_the_period_it_starts(settings):
    settings.BILLING_TIME_ZONE = "Europe/Amsterdam"
    april = Period.from_label("2026-04")
    assert Period.containing(april.start) == april
    assert Period.containing(april.start - timedelta(microseconds=1)) == april.previous()
    assert april.start in april and april.end not in april


def test_periods_between_lists_every_month_once(settings):
    settings.BILLING_TIME_ZONE = "America/New_York"
    months = periods_between(Period.from_label("2025-11"), Period.from_label("2026-02"))
    assert [p.label for p in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert all(a.end == b.start for a, b in zip(months, months[1:], strict=False))


def test_naive_moments_are_refused():
    with pytest.raises(ValueError):
        Period.containing(datetime(2026, 3, 1))


def test_bad_labels_are_refused():
    for label in ("2026-13", "2026-3", "march", ""):
        with pytest.raises(ValueError):
            Period.from_label(label)
