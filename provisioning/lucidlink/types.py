"""Plain data the LucidLink client takes and returns: frozen dataclasses, snake_case.

``from_api`` reads the API's camelCase JSON (parsed with ``parse_float=Decimal``), and
``to_api`` writes it back, leaving out fields that are None. Money and usage are
``Decimal`` (amounts are in cents, as the API sends them), byte and request counters
are ``int``, epoch-millisecond timestamps become aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Filespace.status values.
STATUS_PROVISIONING = "provisioning"
STATUS_PROVISIONED = "provisioned"
STATUS_INITIALIZED = "initialized"
STATUS_ERROR = "error"


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Only reached when a caller parsed JSON with floats; str() keeps the short form.
        return Decimal(str(value))
    return Decimal(value)


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else _decimal(value)


def _int(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    return int(_decimal(value))


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(_decimal(value))


def _datetime(epoch_ms: Any) -> datetime:
    return _EPOCH + timedelta(milliseconds=int(_decimal(epoch_ms)))


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class Domain:
    id: str
    name: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Domain:
        return cls(id=data["id"], name=data["name"])

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name}


@dataclass(frozen=True)
class Storage:
    provider: str
    owner: str | None = None
    region: str | None = None
    endpoint: str | None = None
    bucket: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Storage:
        return cls(
            provider=data["provider"],
            owner=data.get("owner"),
            region=data.get("region"),
            endpoint=data.get("endpoint"),
            bucket=data.get("bucket"),
        )

    def to_api(self) -> dict[str, Any]:
        return _without_none(
            {
                "provider": self.provider,
                "owner": self.owner,
                "region": self.region,
                "endpoint": self.endpoint,
                "bucket": self.bucket,
            }
        )


@dataclass(frozen=True)
class Stats:
    """One reading: ``used_storage`` is a gauge, the data and request fields are
    cumulative counters since the filespace was created."""

    used_storage: int = 0
    filespace_size: int = 0
    get_request_count: int = 0
    get_data_size: int = 0
    put_request_count: int = 0
    put_data_size: int = 0
    list_request_count: int = 0
    delete_request_count: int = 0

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Stats:
        return cls(
            used_storage=_int(data.get("usedStorage")),
            filespace_size=_int(data.get("filespaceSize")),
            get_request_count=_int(data.get("getRequestCount")),
            get_data_size=_int(data.get("getDataSize")),
            put_request_count=_int(data.get("putRequestCount")),
            put_data_size=_int(data.get("putDataSize")),
            list_request_count=_int(data.get("listRequestCount")),
            delete_request_count=_int(data.get("deleteRequestCount")),
        )


@dataclass(frozen=True)
class Filespace:
    """A filespace; ``domain`` is the domain's id (its qualified name needs the domain's
    name, which this record does not carry)."""

    id: str
    domain: str
    name: str
    status: str
    subscription_type: str | None
    users_count: int
    storage: Storage
    stats: Stats | None
    version: int | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Filespace:
        stats = data.get("stats")
        return cls(
            id=data["id"],
            domain=data["domain"],
            name=data["name"],
            status=data["status"],
            subscription_type=data.get("subscriptionType"),
            users_count=_int(data.get("usersCount")),
            storage=Storage.from_api(data["storage"]),
            stats=None if stats is None else Stats.from_api(stats),
            version=_optional_int(data.get("version")),
        )


@dataclass(frozen=True)
class FilespaceUsage:
    usage: Decimal
    dimension: str  # "ManagedCapacity" or "FilespaceUsers"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> FilespaceUsage:
        return cls(usage=_decimal(data["usage"]), dimension=data["dimension"])


@dataclass(frozen=True)
class FilespaceLineItem:
    """One filespace's share of a billing period or an invoice, in cents."""

    filespace: str
    amount_due: Decimal
    is_deleted: bool
    name: str
    storage_provider: str | None
    storage_owner: str
    subscription_type: str | None
    usage_by_dimension: list[FilespaceUsage]
    amount_due_forecast: Decimal | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> FilespaceLineItem:
        return cls(
            filespace=data["filespace"],
            amount_due=_decimal(data["amountDue"]),
            is_deleted=bool(data["isDeleted"]),
            name=data["name"],
            storage_provider=data.get("storageProvider"),
            storage_owner=data["storageOwner"],
            subscription_type=data.get("subscriptionType"),
            usage_by_dimension=[
                FilespaceUsage.from_api(usage) for usage in data["usageByDimension"]
            ],
            amount_due_forecast=_optional_decimal(data.get("amountDueForecast")),
        )


@dataclass(frozen=True)
class BillingPeriod:
    """What LucidLink bills the provider so far in the running period; amounts in cents."""

    start: datetime
    end: datetime
    subscription_status: str
    amount_due: Decimal
    amount_due_forecast: Decimal
    currency: str
    trial_days: int | None
    filespace_breakdown: list[FilespaceLineItem] = field(default_factory=list)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> BillingPeriod:
        return cls(
            start=_datetime(data["start"]),
            end=_datetime(data["end"]),
            subscription_status=data["subscriptionStatus"],
            amount_due=_decimal(data["amountDue"]),
            amount_due_forecast=_decimal(data["amountDueForecast"]),
            currency=data["currency"],
            trial_days=_optional_int(data.get("trialDays")),
            filespace_breakdown=[
                FilespaceLineItem.from_api(item) for item in data.get("filespaceBreakdown") or []
            ],
        )


@dataclass(frozen=True)
class Invoice:
    """An invoice LucidLink issued to the provider; amounts in cents."""

    id: str
    date: datetime
    line_descriptions: list[str]
    amount_due: Decimal
    currency: str
    period_start: datetime
    period_end: datetime
    payment_status: str  # not_paid, past_due, paid, voided
    pdf_url: str
    filespace_breakdown: list[FilespaceLineItem] = field(default_factory=list)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Invoice:
        return cls(
            id=data["id"],
            date=_datetime(data["date"]),
            line_descriptions=list(data["lineDescriptions"]),
            amount_due=_decimal(data["amountDue"]),
            currency=data["currency"],
            period_start=_datetime(data["periodStart"]),
            period_end=_datetime(data["periodEnd"]),
            payment_status=data["paymentStatus"],
            pdf_url=data["pdfUrl"],
            filespace_breakdown=[
                FilespaceLineItem.from_api(item) for item in data.get("filespaceBreakdown") or []
            ],
        )


@dataclass(frozen=True)
class Card:
    number_last4: str
    expiry_month: int
    expiry_year: int

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Card:
        return cls(
            number_last4=str(data["numberLast4"]),
            expiry_month=_int(data["expiryMonth"]),
            expiry_year=_int(data["expiryYear"]),
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "numberLast4": self.number_last4,
            "expiryMonth": self.expiry_month,
            "expiryYear": self.expiry_year,
        }


@dataclass(frozen=True)
class PaymentDetails:
    description: str | None = None
    # A payment provider's token for the card: kept out of repr, and so out of logs.
    payment_source_token: str | None = field(default=None, repr=False)
    card: Card | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> PaymentDetails:
        card = data.get("card")
        return cls(
            description=data.get("description"),
            payment_source_token=data.get("paymentSourceToken"),
            card=None if card is None else Card.from_api(card),
        )

    def to_api(self) -> dict[str, Any]:
        return _without_none(
            {
                "description": self.description,
                "paymentSourceToken": self.payment_source_token,
                "card": None if self.card is None else self.card.to_api(),
            }
        )
