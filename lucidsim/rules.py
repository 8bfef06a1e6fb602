"""The service's rules for names, storage and subscription types (see NOTES.md)."""

from __future__ import annotations

import re
from typing import Any

DOMAIN_NAME_RE = re.compile(r"^[a-z0-9-]{3,60}$")
FILESPACE_NAME_RE = re.compile(r"^[a-z0-9-]{2,}$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Names other accounts hold: domain names are globally unique on the real service.
TAKEN_DOMAIN_NAMES = frozenset({"lucidlink", "example", "taken"})

PROVIDERS = (
    "Azure", "AWS", "AWSGovCloud", "Alibaba", "GCP", "Zadara", "Cloudian", "DigitalOcean",
    "Wasabi", "Scality", "Telefonica", "Exoscale", "Nutanix", "Pure", "Dell", "IBM", "Other",
)  # fmt: skip
ENDPOINT_PROVIDERS = ("Zadara", "Cloudian", "Other")
LUCIDLINK_PROVIDERS = ("Wasabi", "IBM")
OWNERS = ("customer", "lucidlink")
SUBSCRIPTION_TYPES = ("custom", "basic", "teams", "enterprise", "none")
KNOWN_REGIONS = {
    "Wasabi": (
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "eu-central-1",
        "eu-west-1",
        "ap-northeast-1",
    ),
    "IBM": ("us-south", "us-east", "eu-de", "eu-gb", "jp-tok"),
}
VERSIONS = (3, 4)


class RuleError(ValueError):
    """A request that breaks a rule; the message is shown to the client with a 400."""


def check_domain_name(name: Any) -> str:
    if name is None:
        raise RuleError("name is required")
    if not isinstance(name, str) or not DOMAIN_NAME_RE.match(name):
        raise RuleError(
            f"Invalid domain name {name!r}: use 3 to 60 lowercase letters, digits or hyphens"
        )
    return name


def check_filespace_name(name: Any) -> str:
    if name is None:
        raise RuleError("name is required")
    if not isinstance(name, str) or not FILESPACE_NAME_RE.match(name):
        raise RuleError(
            f"Invalid filespace name {name!r}: use lowercase letters, digits or hyphens, "
            "at least 2 characters"
        )
    return name


def check_version(version: Any) -> int:
    if version is None:
        return 3
    if isinstance(version, bool) or not isinstance(version, int | float) or version not in VERSIONS:
        raise RuleError("version must be 3 (no metadata streaming) or 4 (metadata streaming)")
    return int(version)


def check_storage(storage: Any) -> dict[str, str]:
    """Validate `storage` and fill in what the service defaults (owner)."""
    if storage is None:
        raise RuleError("storage is required")
    if not isinstance(storage, dict):
        raise RuleError("storage must be an object")
    provider = storage.get("provider")
    if provider is None:
        raise RuleError("storage.provider is required")
    if provider not in PROVIDERS:
        raise RuleError(f"storage.provider must be one of {', '.join(PROVIDERS)}")

    owner = storage.get("owner")
    if owner is None:
        owner = "lucidlink" if provider in LUCIDLINK_PROVIDERS else "customer"
    if owner not in OWNERS:
        raise RuleError("storage.owner must be 'customer' or 'lucidlink'")
    if owner == "lucidlink" and provider not in LUCIDLINK_PROVIDERS:
        raise RuleError("LucidLink-owned storage is offered only with the Wasabi and IBM providers")

    region = storage.get("region")
    if region is None:
        raise RuleError("storage.region is required")
    if not isinstance(region, str) or not region.strip():
        raise RuleError("storage.region must be a non-empty string")
    known = KNOWN_REGIONS.get(provider)
    if known is not None and region not in known:
        raise RuleError(f"Unknown {provider} region {region!r}; valid regions: {', '.join(known)}")

    result = {"owner": owner, "provider": provider, "region": region}
    endpoint = storage.get("endpoint")
    if endpoint is not None:
        if provider not in ENDPOINT_PROVIDERS:
            raise RuleError(
                "storage.endpoint is accepted only for the Zadara, Cloudian and Other providers"
            )
        if not isinstance(endpoint, str) or not endpoint.strip():
            raise RuleError("storage.endpoint must be a non-empty string")
        result["endpoint"] = endpoint

    bucket = storage.get("bucket")
    if bucket is not None:
        if not isinstance(bucket, str) or not BUCKET_RE.match(bucket) or ".." in bucket:
            raise RuleError(
                f"Invalid bucket name {bucket!r}: use 3 to 63 lowercase letters, digits, dots "
                "or hyphens, starting and ending with a letter or digit"
            )
        result["bucket"] = bucket
    return result


def check_subscription_type(requested: Any, storage: dict[str, str]) -> str:
    """Default and check the subscription type against who owns which storage."""
    owner, provider = storage["owner"], storage["provider"]
    if owner == "customer":
        allowed, default = ("custom",), "custom"
    elif provider == "Wasabi":
        allowed, default = ("basic",), "basic"
    else:  # IBM, LucidLink-owned
        allowed, default = ("teams", "enterprise"), "teams"
    if requested is None:
        return default
    if requested not in SUBSCRIPTION_TYPES:
        raise RuleError(f"subscriptionType must be one of {', '.join(SUBSCRIPTION_TYPES)}")
    if requested not in allowed:
        raise RuleError(
            f"subscriptionType {requested!r} does not fit {owner}-owned {provider} storage; "
            f"use {' or '.join(allowed)}"
        )
    return requested


def default_bucket(filespace_name: str, filespace_id: str) -> str:
    """The bucket LucidLink creates when none is given."""
    stem = filespace_name.strip("-")[:40] or "fs"
    return f"lucid-{stem}-{filespace_id[:8]}"
