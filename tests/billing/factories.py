"""Factories and helpers for billing tests: plans, filespaces that existed at given
moments, and series of usage readings."""

from datetime import datetime, timedelta
from decimal import Decimal

import factory

from billing.models import CustomerPricePlan, PricePlan, UsageReading
from billing.services import collection_window
from provisioning.models import Filespace
from tests.factories import CustomerFactory, FilespaceFactory


class PricePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricePlan

    name = factory.Sequence(lambda n: f"Plan {n}")
    currency = "EUR"
    price_per_gb_month = Decimal("0.030000")
    price_per_egress_gb = Decimal("0.010000")
    included_egress_gb = Decimal("0")
    price_per_user_month = Decimal("7.500000")
    monthly_minimum = Decimal("0.00")
    tax_rate = Decimal("0.2100")
    is_default = False


def default_plan(**prices) -> PricePlan:
    """Make a plan with ``prices`` the default, instead of the one the migration seeds."""
    PricePlan.objects.filter(is_default=True, assignments=None).delete()
    PricePlan.objects.filter(is_default=True).update(is_default=False)
    return PricePlanFactory(is_default=True, **prices)


def assign(customer, plan, valid_from: datetime) -> CustomerPricePlan:
    return CustomerPricePlan.objects.create(customer=customer, plan=plan, valid_from=valid_from)


def filespace_existing(
    *, customer=None, created_at: datetime, deleted_at: datetime | None = None, **fields
) -> Filespace:
    """A filespace created (and maybe deleted) at the given moments."""
    filespace = FilespaceFactory(customer=customer or CustomerFactory(), **fields)
    status = Filespace.Status.DELETED if deleted_at else Filespace.Status.READY
    Filespace.objects.filter(pk=filespace.pk).update(
        created_at=created_at,
        deleted_at=deleted_at,
        usage_ends_at=deleted_at,
        status=status,
        provisioned_at=created_at,
    )
    filespace.refresh_from_db()
    return filespace


def reading(filespace, taken_at: datetime, *, used=0, read=0, users=0, **stats) -> UsageReading:
    return UsageReading.objects.create(
        filespace=filespace,
        window_start=collection_window(taken_at, seconds=3600),
        taken_at=taken_at,
        used_storage=used,
        filespace_size=stats.get("filespace_size", used),
        get_data_size=read,
        put_data_size=stats.get("put_data_size", 0),
        get_request_count=stats.get("get_request_count", 0),
        put_request_count=stats.get("put_request_count", 0),
        list_request_count=stats.get("list_request_count", 0),
        delete_request_count=stats.get("delete_request_count", 0),
        users_count=users,
    )


def hourly(filespace, start: datetime, end: datetime, *, used=0, read_per_hour=0, users=0):
    """Readings every hour on the hour over [start, end), with a constant gauge and a
    counter that grows by ``read_per_hour``: bulk-inserted."""
    rows = []
    moment, read = start, 0
    while moment < end:
        rows.append(
            UsageReading(
                filespace=filespace, window_start=moment, taken_at=moment, used_storage=used,
                filespace_size=used, get_data_size=read, put_data_size=0, get_request_count=0,
                put_request_count=0, list_request_count=0, delete_request_count=0,
                users_count=users,
            )
        )  # fmt: skip
        moment += timedelta(hours=1)
        read += read_per_hour
    UsageReading.objects.bulk_create(rows)
    return rows
