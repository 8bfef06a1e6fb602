"""HTTP client for the LucidLink Service API v1.

One method per operation of the contract (shared/lucidlink/service-api-v1.yaml), plain
typed data in and out, typed errors. It authenticates with the OAuth2 client-credentials
grant and keeps the token in a cache shared by every process. It never retries (except
once, with a new token, after a 401) and never sleeps: retry policy belongs to the caller.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlsplit

import requests
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session
from urllib3.exceptions import NewConnectionError

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
from .types import BillingPeriod, Domain, Filespace, Invoice, PaymentDetails, Storage

logger = logging.getLogger("provisioning.lucidlink")

# Token lifetime assumed when the token endpoint does not say (it is not published).
DEFAULT_TOKEN_LIFETIME = 3600.0
_MESSAGE_LIMIT = 300
_INSECURE_TRANSPORT_VARIABLE = "OAUTHLIB_INSECURE_TRANSPORT"


@dataclass(frozen=True)
class ClientConfig:
    api_url: str
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    auth_header_style: Literal["bearer", "bare"] = "bearer"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retry_after: float = 300.0
    token_renew_margin: float = 60.0

    def __post_init__(self) -> None:
        if self.auth_header_style not in ("bearer", "bare"):
            raise ValueError(
                f"auth_header_style must be 'bearer' or 'bare', not {self.auth_header_style!r}"
            )
        for name in ("api_url", "token_url"):
            if urlsplit(getattr(self, name)).scheme not in ("http", "https"):
                raise ValueError(f"{name} must be an http(s) URL")


class TokenCache(Protocol):
    """The part of Django's cache API the client uses (``django.core.cache.cache`` fits)."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, timeout: float | None) -> Any: ...

    def delete(self, key: str) -> Any: ...


class LocalTokenCache:
    """In-process cache for when no shared cache is given: tokens live per process."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Any, float | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            value, expires_at = entry
            if expires_at is not None and time.time() >= expires_at:
                del self._entries[key]
                return None
            return value

    def set(self, key: str, value: Any, timeout: float | None) -> None:
        expires_at = None if timeout is None else time.time() + timeout
        with self._lock:
            self._entries[key] = (value, expires_at)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


@dataclass(frozen=True)
class _Token:
    access_token: str = field(repr=False)
    renew_at: float  # epoch seconds after which the token is renewed before use

    def to_cache(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "renew_at": self.renew_at}

    @classmethod
    def from_cache(cls, value: Any) -> _Token | None:
        try:
            return cls(access_token=str(value["access_token"]), renew_at=float(value["renew_at"]))
        except (TypeError, KeyError, ValueError):
            return None


class _DropDebugRecords(logging.Filter):
    """requests-oauthlib logs request headers (HTTP Basic credentials) and the token at
    DEBUG; drop those records whatever level the host application configures."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def _silence_oauth_debug_logging() -> None:
    for name in ("requests_oauthlib.oauth2_session", "requests_oauthlib.oauth2_auth"):
        target = logging.getLogger(name)
        if not any(isinstance(existing, _DropDebugRecords) for existing in target.filters):
            target.addFilter(_DropDebugRecords())


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_secure_transport(config: ClientConfig) -> None:
    """Credentials and tokens travel over HTTPS, except to a simulator on this machine.

    oauthlib refuses a plain-http token URL unless OAUTHLIB_INSECURE_TRANSPORT is set.
    For a loopback URL the client sets it (dev and tests only: production URLs are https);
    for any other plain-http host the operator must set it deliberately.
    """
    for url in (config.api_url, config.token_url):
        if urlsplit(url).scheme == "https":
            continue
        if _is_loopback(url):
            os.environ.setdefault(_INSECURE_TRANSPORT_VARIABLE, "1")
        elif not os.environ.get(_INSECURE_TRANSPORT_VARIABLE):
            raise ValueError(
                f"{url} is plain http to another machine: use https, or set "
                f"{_INSECURE_TRANSPORT_VARIABLE}=1 for a local simulator"
            )


class LucidLinkClient:
    def __init__(
        self,
        config: ClientConfig,
        *,
        token_cache: TokenCache | None = None,
        session_factory: Callable[[], requests.Session] | None = None,
        response_hook: Callable[[requests.Response], None] | None = None,
    ) -> None:
        """``session_factory`` builds the session for API calls (the token fetch uses its
        own OAuth2Session); ``response_hook`` sees every raw API response, error or not,
        before the client interprets it (tests validate them against the contract)."""
        _require_secure_transport(config)
        _silence_oauth_debug_logging()
        self._config = config
        self._api_url = config.api_url.rstrip("/")
        self._timeout = (config.connect_timeout, config.read_timeout)
        self._cache: TokenCache = token_cache if token_cache is not None else LocalTokenCache()
        self._cache_key = (
            "lucidlink:token:"
            + hashlib.sha256(f"{config.token_url}\n{config.client_id}".encode()).hexdigest()
        )
        self._session = (session_factory or requests.Session)()
        self._response_hook = response_hook
        self._token_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<LucidLinkClient {self._api_url} client_id={self._config.client_id!r}>"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> LucidLinkClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Domains -------------------------------------------------------------------------

    def list_domains(self) -> list[Domain]:
        data = self._json("GET", "/domains")
        return self._parse(lambda: [Domain.from_api(item) for item in data])

    def get_domain(self, domain_id: str) -> Domain:
        data = self._json("GET", f"/domains/{_segment(domain_id)}")
        return self._parse(lambda: Domain.from_api(data))

    def find_domain(self, name: str) -> Domain | None:
        """The account's domain called ``name``, or None."""
        return next((domain for domain in self.list_domains() if domain.name == name), None)

    def create_domain(self, *, name: str) -> Domain:
        data = self._json("POST", "/domains", body={"name": name})
        return self._parse(lambda: Domain.from_api(data))

    def update_domain(self, domain_id: str, *, name: str) -> Domain:
        data = self._json("PUT", f"/domains/{_segment(domain_id)}", body={"name": name})
        return self._parse(lambda: Domain.from_api(data))

    def delete_domain(self, domain_id: str) -> None:
        self._call("DELETE", f"/domains/{_segment(domain_id)}")

    # --- Filespaces ----------------------------------------------------------------------

    def list_filespaces(self) -> list[Filespace]:
        """Every filespace of the account, each with its status and stats, in one call."""
        data = self._json("GET", "/filespaces")
        return self._parse(lambda: [Filespace.from_api(item) for item in data])

    def find_filespace(self, qualified_name: str) -> Filespace | None:
        """The filespace ``<name>.<domain>``, or None: the safe check before re-creating
        after a create whose outcome is unknown."""
        data = self._json("GET", "/filespaces", params={"qualifiedName": qualified_name})
        found = self._parse(lambda: [Filespace.from_api(item) for item in data])
        # Filespace names hold no dots, so the part before the first one is the name.
        # Filtering guards against a service that ignores the query and lists everything.
        name = qualified_name.partition(".")[0]
        matches = [filespace for filespace in found if filespace.name == name]
        if len(matches) > 1:
            raise UnexpectedResponse(
                f"{len(matches)} filespaces answer to {qualified_name!r}", status=200
            )
        return matches[0] if matches else None

    def get_filespace(self, filespace_id: str) -> Filespace:
        data = self._json("GET", f"/filespaces/{_segment(filespace_id)}")
        return self._parse(lambda: Filespace.from_api(data))

    def create_filespace(
        self,
        *,
        domain_id: str,
        name: str,
        storage: Storage,
        subscription_type: str | None = None,
        version: int | None = None,
    ) -> Filespace:
        """Not idempotent: after an Unavailable with ``maybe_committed``, look the name up
        with ``find_filespace`` before calling this again."""
        body: dict[str, Any] = {"domain": domain_id, "name": name, "storage": storage.to_api()}
        if subscription_type is not None:
            body["subscriptionType"] = subscription_type
        if version is not None:
            body["version"] = version
        data = self._json("POST", "/filespaces", body=body)
        return self._parse(lambda: Filespace.from_api(data))

    def delete_filespace(self, filespace_id: str) -> None:
        self._call("DELETE", f"/filespaces/{_segment(filespace_id)}")

    # --- Billing -------------------------------------------------------------------------

    def get_payment_details(self) -> PaymentDetails:
        data = self._json("GET", "/billing/payment")
        return self._parse(lambda: PaymentDetails.from_api(data))

    def set_payment_details(self, details: PaymentDetails) -> None:
        self._call("PATCH", "/billing/payment", body=details.to_api())

    def get_current_period(self) -> BillingPeriod:
        data = self._json("GET", "/billing/current-period")
        return self._parse(lambda: BillingPeriod.from_api(data))

    def list_invoices(self) -> list[Invoice]:
        data = self._json("GET", "/billing/invoices")
        return self._parse(lambda: [Invoice.from_api(item) for item in data])

    def get_invoice_breakdown_csv(self, invoice_id: str) -> str:
        response = self._call(
            "GET", f"/billing/invoices/{_segment(invoice_id)}/breakdown/csv", accept="text/csv"
        )
        if "charset" not in response.headers.get("Content-Type", "").lower():
            # requests would fall back to ISO-8859-1 for text/*; the API speaks UTF-8.
            response.encoding = "utf-8"
        return response.text

    # --- Requests ------------------------------------------------------------------------

    def _json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        response = self._call(method, path, params=params, body=body)
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise UnexpectedResponse(
                f"{method} {path} answered {response.status_code} without a JSON body",
                status=response.status_code,
                trace_id=response.headers.get("x-trace-id"),
            ) from None

    def _parse(self, build: Callable[[], Any]) -> Any:
        try:
            return build()
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise UnexpectedResponse(
                f"response does not match the contract: {type(exc).__name__} {exc}"
            ) from exc

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        accept: str = "application/json",
    ) -> requests.Response:
        token, fresh = self._current_token()
        response = self._send(method, path, token, params=params, body=body, accept=accept)
        if response.status_code == 401 and not fresh:
            # Tokens may expire at any time: renew once and send the call again.
            token = self._renew_token(rejected=token)
            response = self._send(method, path, token, params=params, body=body, accept=accept)
        if 200 <= response.status_code < 300:
            return response
        raise self._error_from_response(response, f"{method} {path}")

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        *,
        params: dict[str, str] | None,
        body: dict[str, Any] | None,
        accept: str,
    ) -> requests.Response:
        header = token if self._config.auth_header_style == "bare" else f"Bearer {token}"
        started = time.perf_counter()
        try:
            response = self._session.request(
                method,
                self._api_url + path,
                params=params,
                json=body,
                headers={"Authorization": header, "Accept": accept},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            error = _unavailable_from_exception(exc, f"{method} {path}", operation_sent=True)
            self._log(method, path, type(exc).__name__, started, None, logging.WARNING)
            raise error from exc
        trace_id = response.headers.get("x-trace-id")
        level = logging.INFO if response.status_code < 400 else logging.WARNING
        self._log(method, path, response.status_code, started, trace_id, level)
        if self._response_hook is not None:
            self._response_hook(response)
        return response

    def _error_from_response(self, response: requests.Response, what: str) -> LucidLinkError:
        status = response.status_code
        trace_id = response.headers.get("x-trace-id")
        message = self._redact(_error_message(response)) or f"{what} answered {status}"
        retry_after_header = response.headers.get("Retry-After")
        cap = self._config.max_retry_after
        if status == 400:
            return Invalid(message, status=status, trace_id=trace_id)
        if status == 401:
            return AuthenticationFailed(message, status=status, trace_id=trace_id)
        if status == 404:
            return NotFound(message, status=status, trace_id=trace_id)
        if status == 409:
            return Conflict(message, status=status, trace_id=trace_id)
        if status == 422:
            return RegionDisabled(message, status=status, trace_id=trace_id)
        if status == 429:
            retry_after = parse_retry_after(retry_after_header, cap=cap)
            return RateLimited(message, retry_after=retry_after, status=status, trace_id=trace_id)
        if status >= 500:
            return Unavailable(
                message,
                maybe_committed=True,
                retry_after=(
                    None
                    if retry_after_header is None
                    else parse_retry_after(retry_after_header, cap=cap)
                ),
                status=status,
                trace_id=trace_id,
            )
        if 300 <= status < 400:
            return UnexpectedResponse(
                f"{what} redirected ({status}); check the API URL",
                status=status,
                trace_id=trace_id,
            )
        return LucidLinkError(message, status=status, trace_id=trace_id)

    def _redact(self, text: str) -> str:
        """Belt and braces: an error body echoing our credentials must not spread them."""
        secret = self._config.client_secret
        if secret:
            text = text.replace(secret, "[redacted]")
        cached = _Token.from_cache(self._cache_get())
        if cached is not None and cached.access_token:
            text = text.replace(cached.access_token, "[redacted]")
        return text

    def _log(
        self,
        method: str,
        path: str,
        outcome: int | str,
        started: float,
        trace_id: str | None,
        level: int,
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.log(
            level,
            "lucidlink %s %s -> %s in %.0f ms trace_id=%s",
            method,
            path,
            outcome,
            elapsed_ms,
            trace_id or "-",
            extra={
                "lucidlink_method": method,
                "lucidlink_path": path,
                "lucidlink_status": outcome,
                "lucidlink_ms": round(elapsed_ms),
                "lucidlink_trace_id": trace_id,
            },
        )

    # --- Token ---------------------------------------------------------------------------

    def _current_token(self) -> tuple[str, bool]:
        """The token to send and whether it was fetched just now for this call."""
        cached = _Token.from_cache(self._cache_get())
        if cached is not None and time.time() < cached.renew_at:
            return cached.access_token, False
        with self._token_lock:
            # Another thread may have fetched one while this one waited.
            cached = _Token.from_cache(self._cache_get())
            if cached is not None and time.time() < cached.renew_at:
                return cached.access_token, False
            return self._fetch_and_store().access_token, True

    def _renew_token(self, *, rejected: str) -> str:
        with self._token_lock:
            cached = _Token.from_cache(self._cache_get())
            if (
                cached is not None
                and cached.access_token != rejected
                and time.time() < cached.renew_at
            ):
                # Another worker already renewed it.
                return cached.access_token
            self._cache_delete()
            return self._fetch_and_store().access_token

    def _fetch_and_store(self) -> _Token:
        token, lifetime = self._fetch_token()
        margin = self._config.token_renew_margin
        # A lifetime shorter than twice the margin would be renewed at once, or never
        # used: renew such short-lived tokens half-way instead.
        usable = lifetime - margin if lifetime > 2 * margin else lifetime / 2
        entry = _Token(access_token=token, renew_at=time.time() + usable)
        self._cache_set(entry.to_cache(), timeout=max(1, int(lifetime)))
        return entry

    def _fetch_token(self) -> tuple[str, float]:
        """Client-credentials grant: credentials in HTTP Basic, a form-encoded body."""
        config = self._config
        path = urlsplit(config.token_url).path or "/"
        seen: dict[str, Any] = {}

        def check_response(response: requests.Response) -> requests.Response:
            seen["status"] = response.status_code
            seen["trace_id"] = response.headers.get("x-trace-id")
            if not 200 <= response.status_code < 300:
                raise self._token_error(response)
            return response

        session = OAuth2Session(client=BackendApplicationClient(client_id=config.client_id))
        session.register_compliance_hook("access_token_response", check_response)
        started = time.perf_counter()
        try:
            token = session.fetch_token(
                config.token_url,
                auth=HTTPBasicAuth(config.client_id, config.client_secret),
                timeout=self._timeout,
            )
        except LucidLinkError:
            self._log("POST", path, seen["status"], started, seen["trace_id"], logging.WARNING)
            raise
        except requests.RequestException as exc:
            self._log("POST", path, type(exc).__name__, started, None, logging.WARNING)
            raise _unavailable_from_exception(
                exc, "fetching a LucidLink token", operation_sent=False
            ) from exc
        except (OAuth2Error, ValueError) as exc:
            self._log("POST", path, seen.get("status", "-"), started, None, logging.WARNING)
            raise AuthenticationFailed(
                f"the token endpoint answered without a usable token ({type(exc).__name__})",
                status=seen.get("status"),
                trace_id=seen.get("trace_id"),
            ) from None
        finally:
            session.close()
        self._log("POST", path, seen["status"], started, seen["trace_id"], logging.INFO)
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise AuthenticationFailed(
                "the token endpoint answered without an access token",
                status=seen["status"],
                trace_id=seen["trace_id"],
            )
        try:
            lifetime = float(token["expires_in"])
        except (KeyError, TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_LIFETIME
        return access_token, lifetime

    def _token_error(self, response: requests.Response) -> LucidLinkError:
        status = response.status_code
        trace_id = response.headers.get("x-trace-id")
        message = self._redact(_error_message(response))
        message = f"token endpoint refused: {message}" if message else "token endpoint refused"
        if status == 429:
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"), cap=self._config.max_retry_after
            )
            return RateLimited(message, retry_after=retry_after, status=status, trace_id=trace_id)
        if status >= 500:
            header = response.headers.get("Retry-After")
            return Unavailable(
                message,
                maybe_committed=False,
                retry_after=(
                    None
                    if header is None
                    else parse_retry_after(header, cap=self._config.max_retry_after)
                ),
                status=status,
                trace_id=trace_id,
            )
        return AuthenticationFailed(message, status=status, trace_id=trace_id)

    # The cache is an optimisation: if it fails, the client still works, just fetching
    # tokens more often.
    def _cache_get(self) -> Any:
        try:
            return self._cache.get(self._cache_key)
        except Exception:
            logger.warning("lucidlink token cache unavailable (get)", exc_info=True)
            return None

    def _cache_set(self, value: Any, *, timeout: int) -> None:
        try:
            self._cache.set(self._cache_key, value, timeout)
        except Exception:
            logger.warning("lucidlink token cache unavailable (set)", exc_info=True)

    def _cache_delete(self) -> None:
        try:
            self._cache.delete(self._cache_key)
        except Exception:
            logger.warning("lucidlink token cache unavailable (delete)", exc_info=True)


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def _error_message(response: requests.Response) -> str:
    """The envelope's message, an OAuth2 error's description, or the start of the body."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error_description", "error"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:_MESSAGE_LIMIT]
    text = " ".join(response.text.split())
    if text:
        return text[:_MESSAGE_LIMIT]
    return response.reason or ""


def _unavailable_from_exception(
    exc: requests.RequestException, what: str, *, operation_sent: bool
) -> Unavailable:
    """Map a transport failure; ``maybe_committed`` only if the operation itself left us."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        reached = False
    elif isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        # A refused connection arrives wrapped in urllib3's MaxRetryError; a connection
        # dropped after sending arrives as a ProtocolError ("Connection aborted").
        reached = not isinstance(getattr(reason, "reason", None), NewConnectionError)
    else:
        # Read timeouts, bodies cut short: the request was sent.
        reached = True
    kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
    return Unavailable(
        f"{what} {kind}: {type(exc).__name__}: {exc}"[:_MESSAGE_LIMIT],
        maybe_committed=reached and operation_sent,
    )
