"""Typed errors of the LucidLink Service API client.

The API has one error envelope, ``{"status": <int>, "message": "<text>"}``, and the HTTP
status is its only discriminator, so each class below stands for a status (or a transport
failure). Every error carries the ``x-trace-id`` of the response when there was one.
Messages never hold a token or the client secret.
"""

from __future__ import annotations


class LucidLinkError(Exception):
    """Any failure talking to LucidLink; also used as is for statuses with no class."""

    def __init__(
        self, message: str, *, status: int | None = None, trace_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.trace_id = trace_id

    def __str__(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"status {self.status}")
        if self.trace_id:
            details.append(f"trace id {self.trace_id}")
        if not details:
            return self.message
        return f"{self.message} ({', '.join(details)})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class Invalid(LucidLinkError):
    """400: the request was refused as invalid (a bad name, a missing field)."""


class AuthenticationFailed(LucidLinkError):
    """401 even with a freshly fetched token, or the token endpoint refused the credentials."""


class NotFound(LucidLinkError):
    """404: no such domain, filespace or invoice."""


class Conflict(LucidLinkError):
    """409: name taken, a second domain, or deleting a filespace still provisioning."""


class RegionDisabled(LucidLinkError):
    """422: filespace creation is disabled in the selected region right now."""


class UnexpectedResponse(LucidLinkError):
    """A success status with a body that does not match the contract, or a redirect."""


class RateLimited(LucidLinkError):
    """429: wait ``retry_after`` seconds (already parsed and capped) before trying again."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float = 0.0,
        status: int | None = 429,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, trace_id=trace_id)
        self.retry_after = retry_after


class Unavailable(LucidLinkError):
    """5xx, a timeout, a refused or dropped connection: worth retrying later.

    ``maybe_committed`` is True when the request may have reached the service and taken
    effect (a 5xx, a read timeout, a connection dropped after sending), so a retried
    ``create_filespace`` must look the name up first. It is False when the operation
    certainly was not sent (connect errors, or failing to obtain a token first).
    ``retry_after`` is set when the service sent a ``Retry-After`` header.
    """

    def __init__(
        self,
        message: str,
        *,
        maybe_committed: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, trace_id=trace_id)
        self.maybe_committed = maybe_committed
        self.retry_after = retry_after
