"""Team and Activity pages: their query count does not grow with rows; big admin tables
are counted by estimate on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.admin_paging import ESTIMATE_ABOVE, EstimatedCountPaginator
from tenants.models import AuditEntry
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def add_rows(owner, n):
    for _ in range(n):
        member = MembershipFactory(customer=owner.customer, role="member")
        AuditEntry.objects.create(
            customer=owner.customer, actor=member.user, actor_kind="customer",
            action="filespace.ordered", object_type="provisioning.filespace", object_id="1",
            object_repr="x", after={"name": "x"},
        )  # fmt: skip


@pytest.mark.parametrize("page", ["team", "activity"])
def test_query_count_does_not_grow_with_rows(owner_client, owner, page):
    add_rows(owner, 3)
    url = reverse(page)
    owner_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert owner_client.get(url).status_code == 200
    add_rows(owner, 30)
    with CaptureQueriesContext(connection) as many:
        assert owner_client.get(url).status_code == 200
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_activity_is_paginated(owner_client, owner):
    add_rows(owner, 60)
    first = owner_client.get(reverse("activity")).content.decode()
    assert "Page 1 of 2" in first
    assert owner_client.get(reverse("activity"), {"page": 2}).status_code == 200


def test_paginator_counts_exactly_unless_postgres_says_the_table_is_big(owner, monkeypatch):
    add_rows(owner, 3)
    queryset = AuditEntry.objects.all()
    assert EstimatedCountPaginator(queryset, 100).count == 3

    monkeypatch.setattr(EstimatedCountPaginator, "_estimate", lambda self: ESTIMATE_ABOVE * 10)
    assert EstimatedCountPaginator(queryset, 100).count == ESTIMATE_ABOVE * 10


def test_the_estimate_is_never_used_for_a_filtered_list(owner):
    paginator = EstimatedCountPaginator(AuditEntry.objects.filter(action="x"), 100)
    assert paginator._estimate() is None
