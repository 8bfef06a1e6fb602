"""The simulator's settings: fixed ones (`Config`) and the runtime-changeable knobs (`Faults`)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

RETRY_AFTER_STYLES = ("seconds", "date")


@dataclass(frozen=True)
class Faults:
    """Knobs set at start and changeable at runtime through `PUT /_sim/faults`."""

    fail_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after_style: str = "seconds"
    retry_after: int = 2
    latency: float = 0.0
    drop_after_commit_rate: float = 0.0
    provisioning_delay: float = 5.0
    disabled_regions: tuple[str, ...] = ()
    error_pattern: str = "^fail-"
    token_lifetime: int = 3600

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["disabled_regions"] = list(self.disabled_regions)
        return data

    def updated(self, changes: dict[str, Any]) -> Faults:
        """A copy with `changes` applied; raises ValueError naming the first bad knob."""
        if not isinstance(changes, dict):
            raise ValueError("Body must be a JSON object of fault knobs")
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"Unknown fault knob(s): {', '.join(unknown)}")
        values = dataclasses.asdict(self)
        for name, raw in changes.items():
            values[name] = _coerce_knob(name, raw)
        return Faults(**values)

    def region_disabled(self, provider: str, region: str) -> bool:
        """An entry is either `region` (any provider) or `Provider:region`."""
        for entry in self.disabled_regions:
            if entry == region or entry.lower() == f"{provider}:{region}".lower():
                return True
        return False


def _probability(name: str, raw: Any) -> float:
    value = _number(name, raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")
    return value


def _number(name: str, raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"{name} must be a number")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be a finite number")
    return value


def _non_negative(name: str, raw: Any) -> float:
    value = _number(name, raw)
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def parse_regions(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        items = raw.split(",")
    elif isinstance(raw, list | tuple):
        items = raw
    else:
        raise ValueError("disabled_regions must be a comma-separated string or a list")
    if not all(isinstance(item, str) for item in items):
        raise ValueError("disabled_regions entries must be strings")
    return tuple(item.strip() for item in items if item.strip())


def _coerce_knob(name: str, raw: Any) -> Any:
    if name in ("fail_rate", "rate_limit_rate", "drop_after_commit_rate"):
        return _probability(name, raw)
    if name in ("latency", "provisioning_delay"):
        return _non_negative(name, raw)
    if name in ("retry_after", "token_lifetime"):
        value = _non_negative(name, raw)
        if value != int(value):
            raise ValueError(f"{name} must be a whole number of seconds")
        if name == "token_lifetime" and value < 1:
            raise ValueError("token_lifetime must be at least 1 second")
        return int(value)
    if name == "retry_after_style":
        if raw not in RETRY_AFTER_STYLES:
            raise ValueError(f"retry_after_style must be one of {', '.join(RETRY_AFTER_STYLES)}")
        return raw
    if name == "disabled_regions":
        return parse_regions(raw)
    if name == "error_pattern":
        if not isinstance(raw, str):
            raise ValueError("error_pattern must be a string")
        try:
            re.compile(raw)
        except re.error as exc:
            raise ValueError(f"error_pattern is not a valid regular expression: {exc}") from None
        return raw
    raise ValueError(f"Unknown fault knob: {name}")  # pragma: no cover - guarded by caller


@dataclass(frozen=True)
class Config:
    """Settings fixed for the life of the process."""

    host: str = "127.0.0.1"
    port: int = 8765
    client_id: str = "dev-client"
    client_secret: str = field(default="dev-secret", repr=False)
    domain: str = "portal-demo"
    seed: int = 1
    db: Path = Path("var/lucidsim.sqlite3")
    wholesale_price_gb_month: Decimal = Decimal("2.0")
    wholesale_price_user_month: Decimal = Decimal("500")
    faults: Faults = field(default_factory=Faults)
