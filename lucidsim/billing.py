"""What LucidLink bills the provider, computed from the simulator's own usage.

Periods are calendar months in UTC, half-open [start, end). A filespace is billed from
the moment it is provisioned until it is deleted: ManagedCapacity in GB-months (the time
integral of usedStorage, GB = 10^9 bytes, over the period's length) and FilespaceUsers in
user-months (the integral of usersCount). Usage is rounded to 6 decimals, each dimension's
amount to whole cents (half up) from the rounded usage; a filespace's amount is the sum of
its dimensions and an invoice's is the sum of its filespaces, so the CSV always adds up.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lucidsim.app import Simulator
    from lucidsim.store import FilespaceRow

USAGE_QUANTUM = Decimal("0.000001")
CURRENCY = "usd"
PAYMENT_GRACE_SECONDS = 7 * 86400
DIMENSIONS = ("ManagedCapacity", "FilespaceUsers")


def month_start(ts: float) -> float:
    d = datetime.fromtimestamp(ts, UTC)
    return datetime(d.year, d.month, 1, tzinfo=UTC).timestamp()


def month_after(start: float) -> float:
    d = datetime.fromtimestamp(start, UTC)
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return datetime(year, month, 1, tzinfo=UTC).timestamp()


def _ms(ts: float) -> int:
    return int(round(ts * 1000))


def _cents(usage: Decimal, price: Decimal) -> int:
    return int((usage * price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _usage(value: float, per: float) -> Decimal:
    return (Decimal(repr(value)) / Decimal(repr(per))).quantize(USAGE_QUANTUM, ROUND_HALF_UP)


class Biller:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.prices = {
            "ManagedCapacity": sim.config.wholesale_price_gb_month,
            "FilespaceUsers": sim.config.wholesale_price_user_month,
        }

    def _billable_interval(self, fs: FilespaceRow, start: float, end: float, now: float):
        if fs.status(now) in ("provisioning", "error"):
            return None
        lo = max(start, fs.ready_at)
        hi = min(end, now, fs.deleted_at if fs.deleted_at is not None else end)
        return (lo, hi) if hi > lo else None

    def _integrals(self, fs: FilespaceRow, lo: float, hi: float) -> tuple[float, float]:
        """(byte-seconds, user-seconds) over [lo, hi); explicit stats hold for all times."""
        model = self.sim.usage.get(fs.id)
        if "usedStorage" in fs.stats_override:
            byte_seconds = float(fs.stats_override["usedStorage"]) * (hi - lo)
        else:
            byte_seconds = model.used_byte_seconds(lo - fs.ready_at, hi - fs.ready_at)
        if fs.users_override is not None:
            user_seconds = float(fs.users_override) * (hi - lo)
        else:
            user_seconds = model.user_seconds(lo - fs.ready_at, hi - fs.ready_at)
        return byte_seconds, user_seconds

    def _priced(self, byte_seconds: float, user_seconds: float, length: float):
        usage = {
            "ManagedCapacity": _usage(byte_seconds, 1e9 * length),
            "FilespaceUsers": _usage(user_seconds, length),
        }
        amounts = {dim: _cents(usage[dim], self.prices[dim]) for dim in DIMENSIONS}
        return usage, amounts

    def _line_items(self, start: float, end: float, now: float, *, forecast: bool):
        """Per-filespace line items for [start, end), with usage up to `now`."""
        items = []
        length = end - start
        for fs in self.sim.store.filespaces(include_deleted=True):
            if fs.created_at >= end or (fs.deleted_at is not None and fs.deleted_at < start):
                continue
            interval = self._billable_interval(fs, start, end, now)
            byte_s, user_s = self._integrals(fs, *interval) if interval else (0.0, 0.0)
            usage, amounts = self._priced(byte_s, user_s, length)
            item = {
                "filespace": fs.id,
                "name": fs.name,
                "amountDue": sum(amounts.values()),
                "isDeleted": fs.deleted_at is not None and start <= fs.deleted_at < end,
                "storageProvider": fs.storage["provider"],
                "storageOwner": fs.storage["owner"],
                # The billing enum has no "enterprise"; LucidLink's invoices say "advanced".
                "subscriptionType": {"enterprise": "advanced"}.get(
                    fs.subscription_type, fs.subscription_type
                ),
                "usageByDimension": [
                    {"dimension": dim, "usage": float(usage[dim])} for dim in DIMENSIONS
                ],
                "_amounts": amounts,
            }
            if forecast:
                item["amountDueForecast"] = self._forecast(fs, byte_s, user_s, now, end, length)
            items.append(item)
        return items

    def _forecast(self, fs, byte_s, user_s, now, end, length) -> int:
        """Usage so far plus today's level held until the period ends."""
        if fs.deleted_at is None and fs.status(now) not in ("provisioning", "error"):
            stats, users = self.sim.filespace_stats(fs, now)
            remaining = max(end - now, 0.0)
            byte_s += stats["usedStorage"] * remaining
            user_s += users * remaining
        _, amounts = self._priced(byte_s, user_s, length)
        return sum(amounts.values())

    @staticmethod
    def _public(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in item.items() if not k.startswith("_")} for item in items]

    def current_period(self) -> dict[str, Any]:
        now = self.sim.store.now()
        start = month_start(now)
        end = month_after(start)
        items = self._line_items(start, end, now, forecast=True)
        return {
            "start": _ms(start),
            "end": _ms(end),
            "subscriptionStatus": "active",
            "amountDue": sum(item["amountDue"] for item in items),
            "amountDueForecast": sum(item["amountDueForecast"] for item in items),
            "currency": CURRENCY,
            "trialDays": 0,
            "filespaceBreakdown": self._public(items),
        }

    def issue_closed_invoices(self) -> None:
        """Store one invoice per calendar month that has closed since the account exists.

        Invoices are computed once, when first asked for after their month closed, and
        never change afterwards (like real ones).
        """
        store = self.sim.store
        with store.lock:
            now = store.now()
            issued = store.invoice_periods()
            account = store.meta("account_id")
            generation = store.meta("generation")
            start = month_start(float(store.meta("account_created_at")))
            while month_after(start) <= now:
                end = month_after(start)
                if start not in issued:
                    items = self._line_items(start, end, end, forecast=False)
                    invoice_id = "in_" + store.stable_id(f"invoice:{account}:{generation}:{start}")
                    invoice = self._invoice(invoice_id, start, end, items)
                    store.invoice_insert(invoice, start)
                start = end

    def _invoice(self, invoice_id: str, start: float, end: float, items) -> dict[str, Any]:
        totals = {dim: Decimal(0) for dim in DIMENSIONS}
        for item in items:
            for usage in item["usageByDimension"]:
                totals[usage["dimension"]] += Decimal(repr(usage["usage"]))
        month = datetime.fromtimestamp(start, UTC).strftime("%B %Y")
        return {
            "id": invoice_id,
            "date": _ms(end),
            "lineDescriptions": [
                f"LucidLink managed capacity, {month}: {totals['ManagedCapacity']} GB-months",
                f"LucidLink filespace users, {month}: {totals['FilespaceUsers']} user-months",
            ],
            "amountDue": sum(item["amountDue"] for item in items),
            "currency": CURRENCY,
            "periodStart": _ms(start),
            "periodEnd": _ms(end),
            "pdfUrl": "",  # filled in per request: it names the simulator's own address
            "filespaceBreakdown": self._public(items),
            "_amounts": [{"filespace": item["filespace"], **item["_amounts"]} for item in items],
            "_prices": {dim: str(price) for dim, price in self.prices.items()},
        }

    def payment_status(self, invoice: dict[str, Any]) -> str:
        if invoice["amountDue"] == 0:
            return "paid"
        age = self.sim.store.now() - invoice["date"] / 1000
        if age < PAYMENT_GRACE_SECONDS:
            return "not_paid"
        return "paid" if self.sim.payment().get("card") else "past_due"

    def invoices(self, base_url: str) -> list[dict[str, Any]]:
        self.issue_closed_invoices()
        result = []
        for invoice in self.sim.store.invoices():
            public = {k: v for k, v in invoice.items() if not k.startswith("_")}
            public["paymentStatus"] = self.payment_status(invoice)
            public["pdfUrl"] = f"{base_url}/_sim/invoices/{invoice['id']}.pdf"
            result.append(public)
        return list(reversed(result))  # newest first

    def invoice(self, invoice_id: str) -> dict[str, Any] | None:
        self.issue_closed_invoices()
        for invoice in self.sim.store.invoices():
            if invoice["id"] == invoice_id:
                return invoice
        return None

    def breakdown_csv(self, invoice: dict[str, Any]) -> str:
        """One row per filespace and dimension; amount_due_cents adds up to amountDue."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "invoice_id",
                "period_start",
                "period_end",
                "filespace_id",
                "name",
                "dimension",
                "usage",
                "unit",
                "unit_price_cents",
                "amount_due_cents",
                "is_deleted",
            ]
        )
        amounts = {row["filespace"]: row for row in invoice["_amounts"]}
        units = {"ManagedCapacity": "GB-month", "FilespaceUsers": "user-month"}
        start = datetime.fromtimestamp(invoice["periodStart"] / 1000, UTC).date().isoformat()
        end = datetime.fromtimestamp(invoice["periodEnd"] / 1000, UTC).date().isoformat()
        for item in invoice["filespaceBreakdown"]:
            for usage in item["usageByDimension"]:
                dim = usage["dimension"]
                writer.writerow(
                    [
                        invoice["id"],
                        start,
                        end,
                        item["filespace"],
                        item["name"],
                        dim,
                        f"{Decimal(repr(usage['usage'])).quantize(USAGE_QUANTUM)}",
                        units[dim],
                        invoice["_prices"][dim],
                        amounts[item["filespace"]][dim],
                        "true" if item["isDeleted"] else "false",
                    ]
                )
        return out.getvalue()
