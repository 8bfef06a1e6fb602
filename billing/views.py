"""Customer billing pages: the running period so far, usage charts, invoices, CSVs.
Only owners, admins and billing contacts see them (Membership.can_see_billing)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from billing import selectors
from billing.charges import BillingError
from billing.charts import line_chart
from billing.periods import Period
from billing.rating import GB
from portal.csv_export import csv_response
from tenants.decorators import membership_required

CHART_DAYS = (7, 30, 90)
logger = logging.getLogger(__name__)


@membership_required("can_see_billing")
def billing_overview(request):
    customer = request.membership.customer
    period = Period.containing(timezone.now())
    try:
        estimate = selectors.current_period_estimate(customer=customer)
    except BillingError:
        logger.exception("No estimate for %s", customer)
        estimate = None  # a setup problem for staff; the page says estimates are unavailable
    return render(
        request,
        "billing/overview.html",
        {
            "customer": customer,
            "estimate": estimate,
            "period": period,
            "minimum": estimate.segments[-1].plan.monthly_minimum if estimate else None,
            "invoices": selectors.invoice_list(customer=customer),
            "billing_tz": settings.BILLING_TIME_ZONE,
            "previous_periods": [period.previous(), period],
        },
    )


@membership_required("can_see_billing")
def billing_filespace_usage(request, pk: int):
    customer = request.membership.customer
    filespace = selectors.billing_filespace_get(customer=customer, pk=pk)
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in CHART_DAYS else 30
    start, end = selectors.chart_range(days=days)
    points = selectors.usage_series(filespace=filespace, start=start, end=end)
    storage = line_chart(
        [(p.taken_at, p.used_storage / GB) for p in points],
        start=start, end=end, label="Storage used", unit="GB", step=True,
    )  # fmt: skip
    daily = selectors.egress_per_day(filespace=filespace, start=start, end=end)
    egress = line_chart(
        [(day, read / GB) for day, read in daily],
        start=start, end=end, label="Egress per day", unit="GB", bar_width=timedelta(days=1),
    )  # fmt: skip
    users = line_chart(
        [(p.taken_at, float(p.users_count)) for p in points],
        start=start, end=end, label="Users", unit="users", whole=True, step=True,
    )  # fmt: skip
    return render(
        request,
        "billing/filespace_usage.html",
        {
            "filespace": filespace,
            "charts": [storage, egress, users],
            "days": days,
            "day_choices": CHART_DAYS,
            "latest": points[-1] if points else None,
        },
    )


@membership_required("can_see_billing")
def billing_invoice(request, pk: int):
    invoice = selectors.invoice_get(customer=request.membership.customer, pk=pk)
    return render(
        request,
        "billing/invoice.html",
        {
            "invoice": invoice,
            "lines": selectors.invoice_lines(invoice=invoice),
            "billing_tz": settings.BILLING_TIME_ZONE,
        },
    )


@membership_required("can_see_billing")
def billing_invoice_csv(request, pk: int):
    invoice = selectors.invoice_get(customer=request.membership.customer, pk=pk)
    return csv_response(
        f"{invoice.number}.csv",
        selectors.INVOICE_LINE_COLUMNS,
        selectors.invoice_line_rows(invoice=invoice, issued_only=True),
        bom=request.GET.get("bom") == "1",
    )


@membership_required("can_see_billing")
def billing_invoices_csv(request):
    customer = request.membership.customer
    return csv_response(
        "invoices.csv",
        selectors.INVOICE_LINE_COLUMNS,
        selectors.invoice_line_rows(customer=customer, issued_only=True),
        bom=request.GET.get("bom") == "1",
    )


@membership_required("can_see_billing")
def billing_usage_csv(request):
    try:
        label = request.GET.get("period") or Period.containing(timezone.now()).label
        period = Period.from_label(label)
    except ValueError as err:
        raise Http404("No such period.") from err
    return csv_response(
        f"usage-{period.label}.csv",
        selectors.READING_COLUMNS,
        selectors.reading_rows(period=period, customer=request.membership.customer),
        bom=request.GET.get("bom") == "1",
    )
