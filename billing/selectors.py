"""Billing reads. Customer-facing ones take the customer and never look beyond it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from billing.charges import InvoiceDraft, compute_invoice
from billing.models import Invoice, InvoiceLine, UpstreamMissing, UsageReading
from billing.periods import Period, billing_tz
from portal.csv_export import CHUNK_ROWS
from provisioning.models import Filespace
from tenants.models import Customer

# --- Customers' own invoices and usage -----------------------------------------------------


def invoice_list(*, customer: Customer) -> QuerySet[Invoice]:
    """The customer's issued invoices and credit notes (drafts are staff's business)."""
    return (
        Invoice.objects.filter(customer=customer, status=Invoice.Status.ISSUED)
        .select_related("credit_for")
        .order_by("-period_start", "-issued_at", "-id")
    )


def invoice_get(*, customer: Customer, pk: int) -> Invoice:
    """The customer's invoice; another tenant's is as missing as one that never existed."""
    try:
        return invoice_list(customer=customer).get(pk=pk)
    except Invoice.DoesNotExist as err:
        raise Http404("No such invoice.") from err


def invoice_lines(*, invoice: Invoice) -> QuerySet[InvoiceLine]:
    return invoice.lines.order_by("position")


def current_period_estimate(*, customer: Customer, now: datetime | None = None) -> InvoiceDraft:
    """What the customer owes so far in the running period (before the monthly minimum)."""
    now = now or timezone.now()
    return compute_invoice(customer=customer, period=Period.containing(now), until=now)


def billing_filespace_get(*, customer: Customer, pk: int) -> Filespace:
    try:
        return Filespace.objects.filter(customer=customer).get(pk=pk)
    except Filespace.DoesNotExist as err:
        raise Http404("No such filespace.") from err


@dataclass(frozen=True)
class UsagePoint:
    taken_at: datetime
    used_storage: int
    egress: int  # bytes read since the previous point (a reset counts from zero)
    users_count: int


def usage_series(
    *, filespace: Filespace, start: datetime, end: datetime, max_points: int = 400
) -> list[UsagePoint]:
    """Usage over [start, end) for a chart, thinned to about ``max_points`` points (the
    egress of the skipped readings is added to the next point kept)."""
    rows = list(
        UsageReading.objects.filter(filespace=filespace, taken_at__gte=start, taken_at__lt=end)
        .order_by("taken_at")
        .values_list("taken_at", "used_storage", "get_data_size", "users_count")
    )
    step = max(1, -(-len(rows) // max_points))
    points: list[UsagePoint] = []
    previous_read: int | None = None
    pending_egress = 0
    for index, (taken_at, used, read, users) in enumerate(rows):
        if previous_read is not None:
            pending_egress += read - previous_read if read >= previous_read else read
        previous_read = read
        if index % step == 0 or index == len(rows) - 1:
            points.append(UsagePoint(taken_at, used, pending_egress, users))
            pending_egress = 0
    return points


def egress_per_day(*, filespace: Filespace, start: datetime, end: datetime):
    """Bytes read per day of the billing time zone, [(day start, bytes)], from the raw
    readings in [start, end) and the one before (each increase counts on the day of the
    reading that saw it, as in rating)."""
    tz = billing_tz()
    rows = list(
        UsageReading.objects.filter(filespace=filespace, taken_at__lt=end)
        .filter(taken_at__gte=start - timedelta(days=2))
        .order_by("taken_at")
        .values_list("taken_at", "get_data_size")
    )
    days: dict[datetime, int] = {}
    for (_, before), (taken_at, value) in zip(rows, rows[1:], strict=False):
        if taken_at < start:
            continue
        local = taken_at.astimezone(tz)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        days[day] = days.get(day, 0) + (value - before if value >= before else value)
    return sorted(days.items())


# --- Exports (customer: their own; staff: everything) ------------------------------------

INVOICE_LINE_COLUMNS = (
    "invoice_number", "document", "status", "credit_for", "customer_id", "customer",
    "filespace", "dimension", "description", "quantity", "unit", "unit_price", "amount",
    "tax_rate", "currency", "period_start", "period_end", "line_start", "line_end", "issued_at",
)  # fmt: skip

READING_COLUMNS = (
    "customer_id", "customer", "filespace_id", "filespace", "upstream_id", "taken_at",
    "window_start", "used_storage_bytes", "filespace_size_bytes", "get_data_bytes",
    "put_data_bytes", "get_requests", "put_requests", "list_requests", "delete_requests",
    "users_count", "upstream_status",
)  # fmt: skip


def _local(moment: datetime | None) -> str:
    return moment.astimezone(billing_tz()).isoformat() if moment else ""


def invoice_line_rows(
    *,
    period: Period | None = None,
    customer: Customer | None = None,
    invoice: Invoice | None = None,
    issued_only: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """Rows of INVOICE_LINE_COLUMNS, streamed from the database in chunks."""
    lines = InvoiceLine.objects.all()
    if period is not None:
        lines = lines.filter(invoice__period_start=period.start)
    if customer is not None:
        lines = lines.filter(invoice__customer=customer)
    if invoice is not None:
        lines = lines.filter(invoice=invoice)
    if issued_only:
        lines = lines.filter(invoice__status=Invoice.Status.ISSUED)
    values = lines.order_by("invoice__period_start", "invoice_id", "position").values_list(
        "invoice__number", "invoice__kind", "invoice__status", "invoice__credit_for__number",
        "invoice__customer_id", "invoice__customer__name", "filespace_name", "dimension",
        "description", "quantity", "unit", "unit_price", "amount", "invoice__tax_rate",
        "invoice__currency", "invoice__period_start", "invoice__period_end", "starts_at",
        "ends_at", "invoice__issued_at", "invoice_id",
    )  # fmt: skip
    for row in values.iterator(chunk_size=CHUNK_ROWS):
        (number, kind, status, credit_for, customer_id, customer_name, fs_name, dimension,
         description, quantity, unit, unit_price, amount, tax_rate, currency, period_start,
         period_end, line_start, line_end, issued_at, invoice_id) = row  # fmt: skip
        yield (
            number or f"draft-{invoice_id}", kind, status, credit_for or "", customer_id,
            customer_name, fs_name, dimension, description, quantity, unit, unit_price, amount,
            tax_rate, currency, _local(period_start), _local(period_end), _local(line_start),
            _local(line_end), _local(issued_at),
        )  # fmt: skip


def reading_rows(*, period: Period, customer: Customer | None = None) -> Iterator[tuple[Any, ...]]:
    """Rows of READING_COLUMNS for readings taken in the period, streamed in chunks."""
    readings = UsageReading.objects.filter(taken_at__gte=period.start, taken_at__lt=period.end)
    if customer is not None:
        readings = readings.filter(filespace__customer=customer)
    values = readings.order_by("filespace_id", "taken_at").values_list(
        "filespace__customer_id", "filespace__customer__name", "filespace_id",
        "filespace__name", "filespace__domain_name", "filespace__upstream_id", "taken_at",
        "window_start", "used_storage", "filespace_size", "get_data_size", "put_data_size",
        "get_request_count", "put_request_count", "list_request_count",
        "delete_request_count", "users_count", "upstream_status",
    )  # fmt: skip
    for row in values.iterator(chunk_size=CHUNK_ROWS):
        customer_id, customer_name, fs_id, name, domain, upstream_id, *rest = row
        yield (customer_id, customer_name, fs_id, f"{name}.{domain}", upstream_id or "", *rest)


# --- Staff ---------------------------------------------------------------------------------


def missing_upstream_open() -> QuerySet[UpstreamMissing]:
    return UpstreamMissing.objects.filter(resolved_at__isnull=True).select_related(
        "filespace__customer"
    )


def chart_range(*, days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now - timedelta(days=days), now
