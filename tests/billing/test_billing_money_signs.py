"""Money never shows as -0.00: a credit too small to reach a cent is 0.00."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from django.urls import reverse

from billing.money import round_money
from tests.billing.factories import default_plan, filespace_existing, reading

NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_negative_amount_below_half_a_cent_rounds_to_unsigned_zero():
    assert str(round_money(Decimal("-0.004"))) == "0.00"
    assert str(round_money(Decimal("-0.005"))) == "-0.01"
    assert str(round_money(Decimal("-0.00"))) == "0.00"


def test_the_overview_shows_a_tiny_included_egress_credit_without_a_minus(owner, owner_client):
    default_plan(included_egress_gb=Decimal("100"), price_per_egress_gb=Decimal("0.010000"))
    fs = filespace_existing(customer=owner.customer, name="media", created_at=NOVEMBER)
    reading(fs, NOVEMBER, used=10**9, read=0)
    reading(fs, NOVEMBER + timedelta(days=1), used=10**9, read=100_000)  # 0.0001 GB read

    with time_machine.travel(NOVEMBER + timedelta(days=2), tick=False):
        page = owner_client.get(reverse("billing_overview")).content.decode()

    assert "Included egress" in page
    assert "-0.00" not in page
