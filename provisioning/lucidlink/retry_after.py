"""Parse an HTTP ``Retry-After`` header (RFC 9110 section 10.2.3) into seconds to wait."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DEFAULT_RETRY_AFTER = 30.0
_DELTA_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")


def parse_retry_after(
    value: str | None,
    *,
    cap: float,
    default: float = DEFAULT_RETRY_AFTER,
    now: datetime | None = None,
) -> float:
    """Seconds to wait, from delta-seconds or an HTTP-date; never negative, never above cap.

    A date in the past means 0. A missing or unreadable header means ``default``.
    """
    seconds = _seconds(value, now=now)
    if seconds is None:
        seconds = default
    return max(0.0, min(seconds, cap))


def _seconds(value: str | None, *, now: datetime | None) -> float | None:
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        # RFC 9110 allows only whole seconds; a fraction costs nothing to accept.
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; "-0000" parses as naive.
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
