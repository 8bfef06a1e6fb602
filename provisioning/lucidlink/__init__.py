"""Client for the LucidLink Service API: plain typed data in and out, no Django."""

from .client import ClientConfig, LocalTokenCache, LucidLinkClient, TokenCache
from .errors import (
    AuthenticationFailed,
    Conflict,
    Invalid,
    LucidLinkError,
    NotFound,
    RateLimited,
    RegionDisabled,
    Unavailable,
    UnexpectedResponse,
)
from .retry_after import parse_retry_after
from .types import (
    BillingPeriod,
    Card,
    Domain,
    Filespace,
    FilespaceLineItem,
    FilespaceUsage,
    Invoice,
    PaymentDetails,
    Stats,
    Storage,
)

__all__ = [
    "AuthenticationFailed",
    "BillingPeriod",
    "Card",
    "ClientConfig",
    "Conflict",
    "Domain",
    "Filespace",
    "FilespaceLineItem",
    "FilespaceUsage",
    "Invalid",
    "Invoice",
    "LocalTokenCache",
    "LucidLinkClient",
    "LucidLinkError",
    "NotFound",
    "PaymentDetails",
    "RateLimited",
    "RegionDisabled",
    "Stats",
    "Storage",
    "TokenCache",
    "Unavailable",
    "UnexpectedResponse",
    "parse_retry_after",
]
