from datetime import UTC, datetime

import pytest

from provisioning.lucidlink import parse_retry_after

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_delta_seconds_are_read_as_seconds():
    assert parse_retry_after("120", cap=300, now=NOW) == 120.0


def test_http_date_is_read_as_seconds_from_now():
    assert parse_retry_after("Sat, 01 Mar 2025 12:01:30 GMT", cap=300, now=NOW) == 90.0


def test_http_date_in_the_past_means_no_wait():
    assert parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", cap=300, now=NOW) == 0.0


@pytest.mark.parametrize("value", ["100000", "Sun, 02 Mar 2025 12:00:00 GMT"])
def test_wait_is_capped(value):
    assert parse_retry_after(value, cap=300, now=NOW) == 300.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "Moonday, 99 Foo"])
def test_missing_or_unreadable_header_means_the_default(value):
    assert parse_retry_after(value, cap=300, default=30.0, now=NOW) == 30.0


def test_default_is_capped_too():
    assert parse_retry_after(None, cap=10, default=30.0, now=NOW) == 10.0


def test_fractional_seconds_are_tolerated():
    assert parse_retry_after(" 1.5 ", cap=300, now=NOW) == 1.5
