"""The billing admin's big lists (readings, invoices, filespaces missing upstream) stay
cheap: queries do not grow with rows, and no COUNT(*) runs over a big table."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Invoice, UpstreamMissing
from tenants.admin_paging import ESTIMATE_ABOVE, EstimatedCountPaginator
from tests.billing.factories import filespace_existing, reading

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, tzinfo=UTC)
BIG_LISTS = [
    "admin:billing_usagereading_changelist",
    "admin:billing_invoice_changelist",
    "admin:billing_upstreammissing_changelist",
]


def make_rows(n, *, first=0):
    for i in range(first, first + n):
        fs = filespace_existing(created_at=START, name=f"fs{i}", upstream_id=f"up-{i}")
        for hour in range(3):
            reading(fs, START + timedelta(hours=hour), used=10**9 * hour, users=hour)
        Invoice.objects.create(
            customer=fs.customer, period_start=START - timedelta(days=30), period_end=START,
            currency="EUR", tax_rate="0", subtotal="1.00", tax="0.00", total="1.00",
        )  # fmt: skip
        UpstreamMissing.objects.create(filespace=fs, first_missing_at=START, last_missing_at=START)


@pytest.mark.parametrize("url_name", BIG_LISTS)
def test_billing_list_query_count_does_not_grow_with_rows(
    staff_client, url_name, django_assert_max_num_queries
):
    make_rows(2)
    url = reverse(url_name)
    staff_client.get(url)  # warm the session and the content types
    with django_assert_max_num_queries(12) as few:
        assert staff_client.get(url).status_code == 200
    make_rows(30, first=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("url_name", BIG_LISTS)
def test_big_billing_lists_take_the_estimate_instead_of_counting_rows(
    staff_client, url_name, monkeypatch
):
    make_rows(2)
    monkeypatch.setattr(EstimatedCountPaginator, "_estimate", lambda self: ESTIMATE_ABOVE * 10)
    url = reverse(url_name)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(url).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts == []
