"""The lines of a customer's invoice for a period: which plan applied when, which
filespaces existed, their readings, rated (billing.rating) and priced (billing.money).

Reads only: services persist what this computes, and the customer's "so far" page shows
it for the running period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from billing.models import CustomerPricePlan, InvoiceLine, PricePlan, UsageReading
from billing.money import round_money
from billing.periods import Period
from billing.rating import Reading, Usage, rate_usage, round_quantity, share_of_period
from provisioning.models import Filespace
from tenants.models import Customer

Dimension = InvoiceLine.Dimension


class BillingError(Exception):
    """Billing cannot go on without staff: the message says what to fix."""


@dataclass(frozen=True)
class PlanSegment:
    start: datetime
    end: datetime
    plan: PricePlan


@dataclass
class LineDraft:
    dimension: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    starts_at: datetime
    ends_at: datetime
    plan_name: str = ""
    filespace_id: int | None = None
    filespace_name: str = ""


@dataclass
class FilespaceUsage:
    filespace: Filespace
    usage: Usage
    segment: PlanSegment
    amount: Decimal = Decimal("0.00")


@dataclass
class InvoiceDraft:
    customer: Customer
    period: Period
    until: datetime
    currency: str
    tax_rate: Decimal
    lines: list[LineDraft] = field(default_factory=list)
    usages: list[FilespaceUsage] = field(default_factory=list)
    segments: list[PlanSegment] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        lines = (ln.amount for ln in self.lines if ln.dimension != Dimension.TAX)
        return sum(lines, Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        lines = (ln.amount for ln in self.lines if ln.dimension == Dimension.TAX)
        return sum(lines, Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))

    @property
    def is_empty(self) -> bool:
        return not self.usages


def default_plan() -> PricePlan:
    plan = PricePlan.objects.filter(is_default=True).first()
    if plan is None:
        raise BillingError("No default price plan: mark one price plan as the default.")
    return plan


def plan_at(*, customer: Customer, moment: datetime) -> PricePlan:
    """The plan a customer is on at ``moment``."""
    assignment = (
        CustomerPricePlan.objects.filter(customer=customer, valid_from__lte=moment)
        .select_related("plan")
        .order_by("-valid_from")
        .first()
    )
    return assignment.plan if assignment is not None else default_plan()


def plan_segments(*, customer: Customer, start: datetime, end: datetime) -> list[PlanSegment]:
    """The plans a customer was on during [start, end), in order, as adjoining segments."""
    current = default_plan()
    segments: list[PlanSegment] = []
    seg_start = start
    assignments = (
        CustomerPricePlan.objects.filter(customer=customer, valid_from__lt=end)
        .select_related("plan")
        .order_by("valid_from")
    )
    for assignment in assignments:
        if assignment.valid_from <= start:
            current = assignment.plan
        elif assignment.plan_id != current.pk:
            segments.append(PlanSegment(seg_start, assignment.valid_from, current))
            seg_start, current = assignment.valid_from, assignment.plan
    segments.append(PlanSegment(seg_start, end, current))
    return segments


def filespaces_in(*, customer: Customer, start: datetime, end: datetime) -> list[Filespace]:
    """The customer's filespaces that existed at some moment of [start, end)."""
    return list(
        Filespace.objects.filter(customer=customer, created_at__lt=end)
        .filter(Q(usage_ends_at__isnull=True) | Q(usage_ends_at__gt=start))
        .order_by("name", "pk")
    )


def readings_for(
    filespace_ids: list[int], *, start: datetime, end: datetime
) -> dict[int, list[Reading]]:
    """Per filespace, the last reading before ``start`` (it holds into the window) and
    every reading in [start, end), in order. Two queries, whatever the count."""
    if not filespace_ids:
        return {}
    carried = (
        Filespace.objects.filter(pk__in=filespace_ids)
        .annotate(
            carry=Subquery(
                UsageReading.objects.filter(filespace=OuterRef("pk"), taken_at__lt=start)
                .order_by("-taken_at")
                .values("pk")[:1]
            )
        )
        .exclude(carry=None)
        .values_list("carry", flat=True)
    )
    rows = (
        UsageReading.objects.filter(
            Q(pk__in=list(carried))
            | Q(filespace_id__in=filespace_ids, taken_at__gte=start, taken_at__lt=end)
        )
        .order_by("filespace_id", "taken_at")
        .values_list("filespace_id", "taken_at", "used_storage", "get_data_size", "users_count")
    )
    result: dict[int, list[Reading]] = defaultdict(list)
    for filespace_id, taken_at, used, read, users in rows.iterator(chunk_size=5000):
        result[filespace_id].append(Reading(taken_at, used, read, users))
    return result


def _segment_note(segment: PlanSegment, period: Period, segments: list[PlanSegment]) -> str:
    if len(segments) == 1:
        return ""
    start = segment.start.astimezone(period.local_start.tzinfo)
    end = segment.end.astimezone(period.local_start.tzinfo)
    return f" ({start:%d %b %H:%M} to {end:%d %b %H:%M}, {segment.plan.name})"


def compute_invoice(
    *, customer: Customer, period: Period, until: datetime | None = None
) -> InvoiceDraft:
    """Every line of the customer's invoice for ``period``; with ``until`` inside the
    period, the charges so far (no monthly minimum, which applies to a whole period)."""
    end = period.end if until is None or until >= period.end else max(until, period.start)
    final = end == period.end
    segments = plan_segments(customer=customer, start=period.start, end=end)
    currencies = {segment.plan.currency for segment in segments}
    if len(currencies) > 1:
        raise BillingError(
            f"{customer} changed to a plan in another currency within {period}: "
            "a plan change across currencies must start at the beginning of a period."
        )
    last_plan = segments[-1].plan
    draft = InvoiceDraft(
        customer=customer,
        period=period,
        until=end,
        currency=last_plan.currency,
        tax_rate=last_plan.tax_rate,
        segments=segments,
    )
    filespaces = filespaces_in(customer=customer, start=period.start, end=end)
    readings = readings_for([fs.pk for fs in filespaces], start=period.start, end=end)
    filespaces = [fs for fs in filespaces if readings.get(fs.pk)]
    for segment in segments:
        plan, note = segment.plan, _segment_note(segment, period, segments)
        egress_total = Decimal(0)
        for fs in filespaces:
            usage = rate_usage(
                readings[fs.pk],
                start=segment.start,
                end=segment.end,
                period_length=period.length,
                exists_from=fs.created_at,
                exists_until=fs.usage_ends_at,
            )
            if usage.billed_from is None:
                continue
            name = fs.qualified_name
            billed = FilespaceUsage(fs, usage, segment)
            for dimension, label, quantity, unit, price in (
                (Dimension.STORAGE, "Storage", usage.storage_gb_months, "GB-month",
                 plan.price_per_gb_month),
                (Dimension.EGRESS, "Egress", usage.egress_gb, "GB", plan.price_per_egress_gb),
                (Dimension.USERS, f"Users (peak {usage.peak_users})", usage.user_months,
                 "user-month", plan.price_per_user_month),
            ):  # fmt: skip
                line = LineDraft(
                    dimension=dimension,
                    description=f"{label}, {name}{note}",
                    quantity=quantity,
                    unit=unit,
                    unit_price=price,
                    amount=round_money(quantity * price),
                    starts_at=usage.billed_from,
                    ends_at=usage.billed_until,
                    plan_name=plan.name,
                    filespace_id=fs.pk,
                    filespace_name=name,
                )
                draft.lines.append(line)
                billed.amount += line.amount
            egress_total += usage.egress_gb
            draft.usages.append(billed)
        allowance = round_quantity(
            plan.included_egress_gb * share_of_period(segment.start, segment.end, period.length)
        )
        credited = min(allowance, egress_total)
        if credited > 0:
            draft.lines.append(
                LineDraft(
                    dimension=Dimension.EGRESS_ALLOWANCE,
                    description=f"Included egress ({allowance} GB){note}",
                    quantity=-credited,
                    unit="GB",
                    unit_price=plan.price_per_egress_gb,
                    amount=round_money(-credited * plan.price_per_egress_gb),
                    starts_at=segment.start,
                    ends_at=segment.end,
                    plan_name=plan.name,
                )
            )
    if draft.is_empty:
        return draft
    if final:
        minimum = round_money(
            sum(
                (
                    s.plan.monthly_minimum * share_of_period(s.start, s.end, period.length)
                    for s in segments
                ),
                Decimal(0),
            )
        )
        usage_net = draft.subtotal
        if minimum > usage_net:
            top_up = minimum - usage_net
            draft.lines.append(
                LineDraft(
                    dimension=Dimension.MINIMUM,
                    description=f"Monthly minimum of {minimum} {draft.currency}: top-up",
                    quantity=Decimal(1),
                    unit="month",
                    unit_price=top_up,
                    amount=top_up,
                    starts_at=period.start,
                    ends_at=period.end,
                    plan_name=last_plan.name,
                )
            )
    net = draft.subtotal
    draft.lines.append(
        LineDraft(
            dimension=Dimension.TAX,
            description=f"Tax at {(draft.tax_rate * 100).normalize():f}%",
            quantity=net,
            unit=draft.currency,
            unit_price=draft.tax_rate,
            amount=round_money(net * draft.tax_rate),
            starts_at=period.start,
            ends_at=end,
            plan_name=last_plan.name,
        )
    )
    return draft
