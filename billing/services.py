"""Billing writes: collecting usage, plans, closing periods, issuing and crediting
invoices, pulling LucidLink's own invoices. Views, admin, tasks and commands call these."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.charges import BillingError, InvoiceDraft, compute_invoice, plan_at
from billing.models import (
    CustomerPricePlan,
    DocumentSequence,
    Invoice,
    InvoiceImmutable,
    InvoiceLine,
    PeriodClose,
    PricePlan,
    UpstreamCharge,
    UpstreamInvoice,
    UpstreamMissing,
    UsageReading,
)
from billing.money import round_money
from billing.periods import Period, periods_between
from provisioning.lucidlink import LucidLinkClient
from provisioning.models import Filespace
from provisioning.upstream import lucidlink_client
from tenants import notifications
from tenants.audit import audit_record
from tenants.models import AuditEntry, Customer

logger = logging.getLogger(__name__)

SERIES = {Invoice.Kind.INVOICE: "INV", Invoice.Kind.CREDIT_NOTE: "CN"}


# --- Usage collection ------------------------------------------------------------------


@dataclass(frozen=True)
class CollectResult:
    window_start: datetime
    upstream: int
    stored: int
    missing: int
    unknown: int


def collection_window(moment: datetime, *, seconds: int | None = None) -> datetime:
    """The start of the collection window ``moment`` falls in (windows are aligned on the
    Unix epoch, so an hourly window starts on the hour in UTC)."""
    seconds = seconds or settings.BILLING_COLLECT_SECONDS
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def usage_collect(
    *, client: LucidLinkClient | None = None, now: datetime | None = None
) -> CollectResult:
    """One GET /filespaces; one reading per filespace for this window. Running it again in
    the same window, late, or twice at once stores nothing more (a unique constraint)."""
    client = client or lucidlink_client()
    upstream = client.list_filespaces()
    taken_at = now or timezone.now()
    window_start = collection_window(taken_at)
    ours = dict(
        Filespace.objects.filter(upstream_id__isnull=False, usage_ends_at__isnull=True)
        .exclude(status=Filespace.Status.DELETED)
        .values_list("upstream_id", "pk")
    )
    rows: list[tuple] = []
    seen: set[int] = set()
    unknown = 0
    # Both moments are the same for every row: converted for the database once.
    window_db = connection.ops.adapt_datetimefield_value(window_start)
    taken_db = connection.ops.adapt_datetimefield_value(taken_at)
    for item in upstream:
        filespace_id = ours.get(item.id)
        if filespace_id is None:
            unknown += 1  # reconciliation shows what LucidLink bills for these
            continue
        seen.add(filespace_id)
        if item.stats is None:
            continue  # no figures yet (still provisioning): a zero would be a false reading
        stats = item.stats
        rows.append(
            (
                filespace_id, window_db, taken_db, max(stats.used_storage, 0),
                max(stats.filespace_size, 0), max(stats.get_data_size, 0),
                max(stats.put_data_size, 0), max(stats.get_request_count, 0),
                max(stats.put_request_count, 0), max(stats.list_request_count, 0),
                max(stats.delete_request_count, 0), max(item.users_count, 0),
                (item.status or "")[:32],
            )
        )  # fmt: skip
    stored = _insert_ignoring_duplicates(rows)
    missing = _flag_missing(set(ours.values()) - seen, now=taken_at)
    if missing or unknown:
        logger.warning("Usage collection: %d filespaces missing upstream, %d unknown to us",
                       missing, unknown)  # fmt: skip
    return CollectResult(window_start, len(upstream), stored, missing, unknown)


# The columns of a row given to _insert_ignoring_duplicates, in order.
READING_INSERT_COLUMNS = (
    "filespace_id", "window_start", "taken_at", "used_storage", "filespace_size",
    "get_data_size", "put_data_size", "get_request_count", "put_request_count",
    "list_request_count", "delete_request_count", "users_count", "upstream_status",
)  # fmt: skip


def _insert_ignoring_duplicates(rows: list[tuple]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING as one executemany: the same as
    bulk_create(ignore_conflicts=True), but one statement for any number of filespaces
    (SQLite's bound on parameters would cut 10,000 readings into 150 statements).
    Rows hold READING_INSERT_COLUMNS, ready for the database. Returns how many were new."""
    if not rows:
        return 0
    ops = connection.ops
    table = ops.quote_name(UsageReading._meta.db_table)
    columns = ", ".join(
        ops.quote_name(UsageReading._meta.get_field(name.removesuffix("_id")).column)
        for name in READING_INSERT_COLUMNS
    )
    marks = ", ".join(["%s"] * len(READING_INSERT_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    # One transaction: in autocommit each row of an executemany would commit on its own.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return max(cursor.rowcount, 0)


def _flag_missing(missing_ids: set[int], *, now: datetime) -> int:
    """Open a flag for each newly missing filespace, close the flags of those seen again."""
    # A filespace being deleted is expected to vanish upstream.
    expected = set(
        Filespace.objects.filter(pk__in=missing_ids, status=Filespace.Status.DELETING)
        .values_list("pk", flat=True)
    ) if missing_ids else set()  # fmt: skip
    missing_ids = missing_ids - expected
    open_flags = UpstreamMissing.objects.filter(resolved_at__isnull=True)
    open_ids = set(open_flags.values_list("filespace_id", flat=True))
    open_flags.exclude(filespace_id__in=missing_ids).update(resolved_at=now)
    still = open_ids & missing_ids
    if still:
        open_flags.filter(filespace_id__in=still).update(last_missing_at=now)
    new_ids = missing_ids - open_ids
    if new_ids:
        UpstreamMissing.objects.bulk_create(
            [UpstreamMissing(filespace_id=i, first_missing_at=now, last_missing_at=now)
             for i in sorted(new_ids)],
            ignore_conflicts=True,
        )  # fmt: skip
        for filespace in Filespace.objects.filter(pk__in=new_ids).select_related("customer"):
            audit_record(
                action="billing.missing_upstream",
                obj=filespace,
                actor_kind=AuditEntry.ActorKind.TASK,
                customer=filespace.customer,
                message="Missing from LucidLink's list of filespaces at usage collection.",
            )
    return len(missing_ids)


# --- Price plans -------------------------------------------------------------------------


def customer_plan_validate(*, customer: Customer, plan: PricePlan, valid_from: datetime) -> None:
    """Refuse a plan change that would rewrite an invoiced period, or change currency
    within a period (an invoice has one currency)."""
    if timezone.is_naive(valid_from):
        raise ValidationError({"valid_from": "Give a timezone-aware moment."})
    invoiced = Invoice.objects.filter(
        customer=customer, kind=Invoice.Kind.INVOICE, period_end__gt=valid_from
    )
    if invoiced.exists():
        raise ValidationError(
            {"valid_from": "That period is already invoiced: correct it with a credit note."}
        )
    period = Period.containing(valid_from)
    if valid_from != period.start:
        in_force = plan_at(customer=customer, moment=valid_from)
        if in_force.currency != plan.currency:
            raise ValidationError(
                {"plan": "A plan in another currency can only start at the start of a period "
                 f"({period.next().local_start:%Y-%m-%d %H:%M %Z})."}
            )  # fmt: skip


def customer_plan_assign(
    *, customer: Customer, plan: PricePlan, valid_from: datetime | None = None, actor=None
) -> CustomerPricePlan:
    """Put a customer on a plan from ``valid_from`` (now by default). A change inside a
    period is prorated by time at the close; an invoiced period cannot change."""
    valid_from = valid_from or timezone.now()
    customer_plan_validate(customer=customer, plan=plan, valid_from=valid_from)
    assignment = CustomerPricePlan(
        customer=customer, plan=plan, valid_from=valid_from, created_by=actor
    )
    assignment.full_clean()
    assignment.save()
    audit_record(
        action="billing.plan_assigned",
        obj=assignment,
        actor=actor,
        actor_kind=AuditEntry.ActorKind.STAFF,
        customer=customer,
        after={"plan": plan.name, "valid_from": valid_from.isoformat()},
    )
    return assignment


def _audit_value(value) -> str | bool:
    return value if isinstance(value, bool) else str(value)


@transaction.atomic
def price_plan_create(*, fields: dict, actor=None) -> PricePlan:
    """A new plan. Customers get it only when assigned (or when it is the default)."""
    plan = PricePlan(**fields)
    plan.full_clean()
    plan.save()
    plan.refresh_from_db(fields=list(fields))
    audit_record(
        action="price_plan.created",
        obj=plan,
        actor=actor,
        actor_kind=AuditEntry.ActorKind.STAFF,
        after={name: _audit_value(getattr(plan, name)) for name in fields},
    )
    return plan


@transaction.atomic
def price_plan_update(*, plan_id: int, changes: dict, actor=None) -> PricePlan:
    """Change a plan's prices or settings. Issued invoices keep the prices they copied;
    drafts and the running period's estimate use the new ones."""
    plan = PricePlan.objects.select_for_update().get(pk=plan_id)
    changed = [name for name, value in changes.items() if getattr(plan, name) != value]
    if not changed:
        return plan
    before = {name: _audit_value(getattr(plan, name)) for name in changed}
    for name in changed:
        setattr(plan, name, changes[name])
    plan.full_clean()
    plan.save(update_fields=[*changed, "updated_at"])
    plan.refresh_from_db(fields=changed)  # as stored: 0.045 reads back as 0.045000
    audit_record(
        action="price_plan.changed",
        obj=plan,
        actor=actor,
        actor_kind=AuditEntry.ActorKind.STAFF,
        before=before,
        after={name: _audit_value(getattr(plan, name)) for name in changed},
    )
    return plan


# --- Invoices ------------------------------------------------------------------------------


def _lines_from(invoice: Invoice, draft_lines) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice=invoice,
            position=position,
            filespace_id=line.filespace_id,
            filespace_name=line.filespace_name,
            dimension=line.dimension,
            description=line.description[:255],
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line.amount,
            plan_name=line.plan_name,
            starts_at=line.starts_at,
            ends_at=line.ends_at,
        )
        for position, line in enumerate(draft_lines, start=1)
    ]


def invoice_create(*, customer: Customer, period: Period) -> Invoice | None:
    """The customer's draft invoice for a closed period, or None when there is nothing to
    bill or the invoice exists already (then nothing is created)."""
    if Invoice.objects.filter(
        customer=customer, period_start=period.start, kind=Invoice.Kind.INVOICE
    ).exists():
        return None
    draft: InvoiceDraft = compute_invoice(customer=customer, period=period)
    if draft.is_empty:
        return None
    try:
        with transaction.atomic():
            invoice = Invoice(
                customer=customer,
                kind=Invoice.Kind.INVOICE,
                period_start=period.start,
                period_end=period.end,
                currency=draft.currency,
                tax_rate=draft.tax_rate,
                subtotal=draft.subtotal,
                tax=draft.tax,
                total=draft.total,
            )
            invoice.save()
            InvoiceLine.objects.bulk_create(_lines_from(invoice, draft.lines))
            audit_record(
                action="invoice.drafted",
                obj=invoice,
                actor_kind=AuditEntry.ActorKind.TASK,
                customer=customer,
                after={"period": period.label, "total": str(invoice.total)},
            )
    except IntegrityError:
        # Another closer made it between our check and our insert: one invoice it is.
        if Invoice.objects.filter(
            customer=customer, period_start=period.start, kind=Invoice.Kind.INVOICE
        ).exists():
            return None
        raise
    return invoice


def invoice_issue(*, invoice_id: int, actor=None) -> Invoice:
    """Give a draft its number and make it final. The number comes from a counter row
    locked in this transaction: sequential, and without gaps even if this rolls back.
    Hook notifications on this function (after commit), not on the model."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status == Invoice.Status.ISSUED:
            return invoice
        lines_total = sum((line.amount for line in invoice.lines.all()), Decimal("0.00"))
        if lines_total != invoice.total:
            raise BillingError(f"{invoice}: lines add up to {lines_total}, not {invoice.total}")
        series = SERIES[invoice.kind]
        DocumentSequence.objects.get_or_create(series=series)  # seeded by a migration
        sequence = DocumentSequence.objects.select_for_update().get(series=series)
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        invoice.number = f"{sequence.series}-{sequence.last_number:06d}"
        invoice.status = Invoice.Status.ISSUED
        invoice.issued_at = timezone.now()
        invoice.save(update_fields=["number", "status", "issued_at"])
        audit_record(
            action="invoice.issued",
            obj=invoice,
            actor=actor,
            actor_kind=AuditEntry.ActorKind.STAFF if actor else AuditEntry.ActorKind.TASK,
            customer=invoice.customer,
            after={"number": invoice.number, "total": str(invoice.total)},
        )
        # Credit notes too: the customer is owed the document as much as an invoice.
        transaction.on_commit(lambda: notifications.notify_invoice_issued(invoice))
    return invoice


def credit_note_create(
    *, invoice_id: int, reason: str, net_amount: Decimal | None = None, actor=None
) -> Invoice:
    """A draft credit note for an issued invoice: its full reversal, or ``net_amount``
    (before tax, taxed at the invoice's rate). Credits never exceed the invoice."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the invoice is credited."})
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.kind != Invoice.Kind.INVOICE or not invoice.is_issued:
            raise ValidationError("Only an issued invoice can be credited.")
        credited = -sum((note.total for note in invoice.credit_notes.all()), Decimal("0.00"))
        note = Invoice(
            customer=invoice.customer,
            kind=Invoice.Kind.CREDIT_NOTE,
            credit_for=invoice,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            currency=invoice.currency,
            tax_rate=invoice.tax_rate,
            subtotal=Decimal("0.00"),
            tax=Decimal("0.00"),
            total=Decimal("0.00"),
            reason=reason.strip()[:500],
        )
        if net_amount is None:
            lines = [
                InvoiceLine(
                    position=line.position,
                    filespace_id=line.filespace_id,
                    filespace_name=line.filespace_name,
                    dimension=line.dimension,
                    description=f"Credit: {line.description}"[:255],
                    quantity=-line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    amount=-line.amount,
                    plan_name=line.plan_name,
                    starts_at=line.starts_at,
                    ends_at=line.ends_at,
                )
                for line in invoice.lines.all()
            ]
        else:
            net_amount = round_money(Decimal(net_amount))
            if net_amount <= 0:
                raise ValidationError({"net_amount": "Credit a positive amount."})
            lines = [
                InvoiceLine(
                    position=1,
                    dimension=InvoiceLine.Dimension.ADJUSTMENT,
                    description=f"Credit: {reason.strip()}"[:255],
                    quantity=Decimal(-1),
                    unit="credit",
                    unit_price=net_amount,
                    amount=-net_amount,
                    starts_at=invoice.period_start,
                    ends_at=invoice.period_end,
                ),
                InvoiceLine(
                    position=2,
                    dimension=InvoiceLine.Dimension.TAX,
                    description=f"Tax at {(invoice.tax_rate * 100).normalize():f}%",
                    quantity=-net_amount,
                    unit=invoice.currency,
                    unit_price=invoice.tax_rate,
                    amount=round_money(-net_amount * invoice.tax_rate),
                    starts_at=invoice.period_start,
                    ends_at=invoice.period_end,
                ),
            ]
        note.tax = sum((ln.amount for ln in lines if ln.dimension == "tax"), Decimal("0.00"))
        note.subtotal = sum((ln.amount for ln in lines if ln.dimension != "tax"), Decimal("0.00"))
        note.total = note.subtotal + note.tax
        if credited - note.total > invoice.total:
            raise ValidationError(
                f"Credits would exceed the invoice: {credited} of {invoice.total} "
                f"{invoice.currency} is credited already."
            )
        note.save()
        for line in lines:
            line.invoice = note
        InvoiceLine.objects.bulk_create(lines)
        audit_record(
            action="invoice.credit_drafted",
            obj=note,
            actor=actor,
            actor_kind=AuditEntry.ActorKind.STAFF,
            customer=invoice.customer,
            after={"credit_for": invoice.number, "total": str(note.total)},
            message=reason,
        )
    return note


def invoice_draft_delete(*, invoice_id: int, actor=None) -> None:
    """Throw away a draft (e.g. to rate a period again after late readings)."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.is_issued:
            raise InvoiceImmutable("Issued invoices cannot be deleted; make a credit note.")
        audit_record(
            action="invoice.draft_deleted",
            obj=invoice,
            actor=actor,
            actor_kind=AuditEntry.ActorKind.STAFF,
            customer=invoice.customer,
            before={"total": str(invoice.total)},
        )
        invoice.lines.all().delete()
        invoice.delete()
        PeriodClose.objects.filter(period_start=invoice.period_start).delete()


# --- Closing periods -------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseResult:
    period: Period
    created: int
    issued: int
    skipped: int
    failed: int = 0


def period_close(
    *, period: Period, now: datetime | None = None, issue: bool | None = None
) -> CloseResult:
    """Invoice every customer with usage in a period that has ended. Running it again
    creates nothing (one invoice per customer and period is a database constraint)."""
    now = now or timezone.now()
    if period.end > now:
        raise BillingError(f"Period {period} has not ended yet.")
    issue = settings.BILLING_AUTO_ISSUE if issue is None else issue
    customer_ids = set(
        Filespace.objects.filter(created_at__lt=period.end)
        .exclude(usage_ends_at__lte=period.start)
        .values_list("customer_id", flat=True)
    )
    invoiced = set(
        Invoice.objects.filter(period_start=period.start, kind=Invoice.Kind.INVOICE).values_list(
            "customer_id", flat=True
        )
    )
    created = issued = skipped = failed = 0
    for customer in Customer.objects.filter(pk__in=customer_ids - invoiced).order_by("pk"):
        try:
            invoice = invoice_create(customer=customer, period=period)
        except BillingError:
            # One customer's problem (say, a plan in another currency) must not hold up
            # everyone's invoices; the period stays open so the next run tries again.
            logger.exception("Cannot invoice %s for %s", customer, period)
            failed += 1
            continue
        if invoice is None:
            skipped += 1
            continue
        created += 1
        if issue:
            invoice_issue(invoice_id=invoice.pk)
            issued += 1
    if not failed:
        PeriodClose.objects.get_or_create(
            period_start=period.start,
            defaults={"period_end": period.end, "invoices_created": created},
        )
    logger.info("Closed %s: %d invoices created, %d issued", period, created, issued)
    return CloseResult(period, created, issued, skipped, failed)


def period_close_due(*, now: datetime | None = None) -> list[CloseResult]:
    """Close every period that ended (plus a grace for late readings) and is not closed:
    safe to run hourly, late, or twice."""
    now = now or timezone.now()
    first = UsageReading.objects.order_by("taken_at").values_list("taken_at", flat=True).first()
    if first is None:
        return []
    grace = timedelta(minutes=settings.BILLING_CLOSE_GRACE_MINUTES)
    last = Period.containing(now - grace).previous()
    first_period = Period.containing(first)
    if last < first_period:
        return []
    closed = set(PeriodClose.objects.values_list("period_start", flat=True))
    return [
        period_close(period=period, now=now)
        for period in periods_between(first_period, last)
        if period.start not in closed
    ]


# --- LucidLink's invoices to us -------------------------------------------------------------


def _decimal(value: str | None) -> Decimal:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else Decimal(0)
    except InvalidOperation as err:
        raise BillingError(f"Not a number in LucidLink's breakdown: {value!r}") from err


def _charges_from_csv(text: str) -> list[UpstreamCharge]:
    charges = []
    for row in csv.DictReader(io.StringIO(text)):
        charges.append(
            UpstreamCharge(
                filespace_upstream_id=row.get("filespace_id") or "",
                name=row.get("name") or "",
                dimension=row.get("dimension") or "",
                usage=_decimal(row.get("usage")),
                unit=row.get("unit") or "",
                unit_price_cents=_decimal(row.get("unit_price_cents")),
                amount_cents=_decimal(row.get("amount_due_cents")),
                is_deleted=(row.get("is_deleted") or "").lower() == "true",
            )
        )
    return charges


def upstream_invoices_pull(*, client: LucidLinkClient | None = None) -> int:
    """Store LucidLink's invoices and their per-filespace breakdowns; those we have are
    only refreshed (payment status). Returns how many were new."""
    client = client or lucidlink_client()
    known = dict(UpstreamInvoice.objects.values_list("upstream_id", "payment_status"))
    new = 0
    for upstream in client.list_invoices():
        if upstream.id in known:
            if known[upstream.id] != upstream.payment_status:
                UpstreamInvoice.objects.filter(upstream_id=upstream.id).update(
                    payment_status=upstream.payment_status
                )
            continue
        charges = _charges_from_csv(client.get_invoice_breakdown_csv(upstream.id))
        with transaction.atomic():
            invoice, created = UpstreamInvoice.objects.get_or_create(
                upstream_id=upstream.id,
                defaults={
                    "issued_on": upstream.date,
                    "period_start": upstream.period_start,
                    "period_end": upstream.period_end,
                    "currency": upstream.currency.upper(),
                    "amount_due_cents": upstream.amount_due,
                    "payment_status": upstream.payment_status,
                },
            )
            if created:
                for charge in charges:
                    charge.invoice = invoice
                UpstreamCharge.objects.bulk_create(charges)
                new += 1
    return new
