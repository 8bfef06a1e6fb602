"""Reconciliation: per customer and filespace, what we billed for a period, what LucidLink
billed us for it, and the margin; plus what LucidLink billed for filespaces no customer
pays for. Reads only (services.upstream_invoices_pull stores LucidLink's invoices).

Our amounts are net (before tax) invoice and credit-note lines; LucidLink's are converted
from cents in its currency with a rate (settings.BILLING_UPSTREAM_FX_RATE by default).
LucidLink's months are UTC months: with a billing time zone other than UTC the two
periods are a few hours apart, which the page says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from billing.models import Invoice, InvoiceLine, UpstreamCharge, UpstreamInvoice
from billing.money import round_money
from billing.periods import Period
from provisioning.models import Filespace

USAGE_DIMENSIONS = (
    InvoiceLine.Dimension.STORAGE,
    InvoiceLine.Dimension.EGRESS,
    InvoiceLine.Dimension.USERS,
)
CUSTOMER_LEVEL = "(customer level: included egress, minimum, adjustments)"

COLUMNS = (
    "period", "customer_id", "customer", "filespace", "upstream_id", "billed", "currency",
    "upstream_cost", "upstream_currency", "upstream_cost_converted", "margin", "note",
)  # fmt: skip


@dataclass
class Row:
    customer_id: int | None
    customer: str
    filespace: str
    upstream_id: str
    billed: Decimal = Decimal("0.00")
    upstream_cents: Decimal = Decimal("0")
    cost: Decimal = Decimal("0.00")
    note: str = ""

    @property
    def margin(self) -> Decimal:
        return self.billed - self.cost


@dataclass
class Reconciliation:
    period: Period
    fx_rate: Decimal
    currency: str
    upstream_currency: str
    upstream_invoices: list[UpstreamInvoice]
    rows: list[Row] = field(default_factory=list)

    @property
    def billed(self) -> Decimal:
        return sum((r.billed for r in self.rows), Decimal("0.00"))

    @property
    def cost(self) -> Decimal:
        return sum((r.cost for r in self.rows), Decimal("0.00"))

    @property
    def margin(self) -> Decimal:
        return self.billed - self.cost

    @property
    def unbilled(self) -> list[Row]:
        return [r for r in self.rows if r.customer_id is None]

    def csv_rows(self) -> Iterator[tuple[Any, ...]]:
        for r in self.rows:
            yield (
                self.period.label, r.customer_id or "", r.customer, r.filespace, r.upstream_id,
                r.billed, self.currency, round_money(r.upstream_cents / 100),
                self.upstream_currency, r.cost, r.margin, r.note,
            )  # fmt: skip


def upstream_invoices_for(period: Period) -> list[UpstreamInvoice]:
    """LucidLink's invoices for the same calendar month (LucidLink counts in UTC)."""
    local = period.local_start
    return list(
        UpstreamInvoice.objects.filter(
            period_start__year=local.year, period_start__month=local.month
        ).order_by("period_start")
    )


def _summed(value: Decimal | None) -> Decimal:
    # SQLite sums decimals as floating point: 7.63 comes back as 7.63000000000000.
    return round_money(value or Decimal("0.00"))


def reconciliation(*, period: Period, fx_rate: Decimal, currency: str) -> Reconciliation:
    invoices = upstream_invoices_for(period)
    result = Reconciliation(
        period=period,
        fx_rate=fx_rate,
        currency=currency,
        upstream_currency=invoices[0].currency if invoices else "",
        upstream_invoices=invoices,
    )
    # Billed means issued: drafts may still be deleted and made again.
    lines = InvoiceLine.objects.filter(
        invoice__period_start=period.start, invoice__status=Invoice.Status.ISSUED
    )
    ours = (
        lines.filter(dimension__in=USAGE_DIMENSIONS)
        .values("filespace_id", "filespace_name", "invoice__customer_id", "invoice__customer__name")
        .annotate(billed=Sum("amount"))
    )
    rows: dict[Any, Row] = {}
    for item in ours:
        rows[("fs", item["filespace_id"])] = Row(
            customer_id=item["invoice__customer_id"],
            customer=item["invoice__customer__name"],
            filespace=item["filespace_name"],
            upstream_id="",
            billed=_summed(item["billed"]),
        )
    other = (
        lines.exclude(dimension__in=(*USAGE_DIMENSIONS, InvoiceLine.Dimension.TAX))
        .values("invoice__customer_id", "invoice__customer__name")
        .annotate(billed=Sum("amount"))
    )
    for item in other:
        rows[("customer", item["invoice__customer_id"])] = Row(
            customer_id=item["invoice__customer_id"],
            customer=item["invoice__customer__name"],
            filespace=CUSTOMER_LEVEL,
            upstream_id="",
            billed=_summed(item["billed"]),
        )
    upstream_cents: dict[str, Decimal] = defaultdict(Decimal)
    upstream_names: dict[str, str] = {}
    charges = UpstreamCharge.objects.filter(invoice__in=invoices).values_list(
        "filespace_upstream_id", "name", "amount_cents"
    )
    for upstream_id, name, cents in charges:
        upstream_cents[upstream_id] += cents
        upstream_names[upstream_id] = name
    known = {
        fs.upstream_id: fs
        for fs in Filespace.objects.filter(upstream_id__in=list(upstream_cents)).select_related(
            "customer"
        )
    }
    for upstream_id, cents in upstream_cents.items():
        fs = known.get(upstream_id)
        row = rows.get(("fs", fs.pk)) if fs else None
        if row is None:
            row = Row(
                customer_id=fs.customer_id if fs else None,
                customer=fs.customer.name if fs else "",
                filespace=fs.qualified_name if fs else upstream_names[upstream_id],
                upstream_id=upstream_id,
                note=(
                    "billed upstream, not invoiced to its customer"
                    if fs
                    else "billed upstream, belongs to no customer"
                ),
            )
            rows[("upstream", upstream_id)] = row
        row.upstream_id = upstream_id
        row.upstream_cents = cents
        row.cost = round_money(cents / 100 * fx_rate)
    billed_ids = [key[1] for key in rows if key[0] == "fs"]
    for fs in Filespace.objects.filter(pk__in=billed_ids).only("pk", "upstream_id"):
        row = rows[("fs", fs.pk)]
        if not row.upstream_id:
            row.upstream_id = fs.upstream_id or ""
            if invoices:
                row.note = "invoiced by us, not billed upstream"
    result.rows = sorted(
        rows.values(), key=lambda r: (r.customer_id is None, r.customer, r.filespace)
    )
    return result
