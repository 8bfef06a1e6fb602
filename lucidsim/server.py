"""HTTP plumbing: routing, faults, the error envelope, trace ids and the access log."""

from __future__ import annotations

import ipaddress
import json
import re
import signal
import sys
import time
import traceback
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lucidsim import __version__
from lucidsim.app import ApiError, Reply, Request, Simulator
from lucidsim.config import Config
from lucidsim.control import Control

API_PREFIXES = ("/api/v1", "/v1")
TOKEN_PATH = "/oauth2/token"
CONTROL_PREFIX = "/_sim"
_ID = r"(?P<id>[^/]+)"
API_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(path), operation)
    for method, path, operation in (
        ("GET", r"/domains", "getDomains"),
        ("POST", r"/domains", "createDomain"),
        ("GET", rf"/domains/{_ID}", "getDomain"),
        ("PUT", rf"/domains/{_ID}", "updateDomain"),
        ("DELETE", rf"/domains/{_ID}", "deleteDomain"),
        ("GET", r"/filespaces", "getFilespaces"),
        ("POST", r"/filespaces", "createFilespace"),
        ("GET", rf"/filespaces/{_ID}", "getFilespace"),
        ("DELETE", rf"/filespaces/{_ID}", "deleteFilespace"),
        ("GET", r"/billing/payment", "getPaymentDetails"),
        ("PATCH", r"/billing/payment", "setPaymentDetails"),
        ("GET", r"/billing/current-period", "getCurrentPeriod"),
        ("GET", r"/billing/invoices", "getInvoices"),
        ("GET", rf"/billing/invoices/{_ID}/breakdown/csv", "getInvoiceBreakdownPerFilespace"),
    )
]
SERVER_ERRORS = (500, 502, 503)


def _envelope(status: int, message: str) -> dict[str, Any]:
    return {"status": status, "message": message}


def match_api_route(method: str, path: str) -> tuple[str | None, dict[str, str], list[str]]:
    """(operationId or None, path params, methods allowed on the path)."""
    allowed = []
    for route_method, pattern, operation in API_ROUTES:
        match = pattern.fullmatch(path)
        if match:
            if route_method == method:
                return operation, match.groupdict(), []
            allowed.append(route_method)
    return None, {}, allowed


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes on keep-alive
    server_version = f"lucidsim/{__version__}"
    server: SimServer

    # One method for all verbs: the routing below decides.
    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # one access-log line per request is written by _log instead

    def _handle(self) -> None:
        started = time.monotonic()
        self._trace_id = uuid.uuid4().hex
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.port}"
        req = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            base_url=f"http://{host}",
        )
        try:
            reply = self._route(req)
        except ApiError as exc:
            reply = Reply(exc.status, _envelope(exc.status, exc.message), headers=exc.headers)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            reply = Reply(500, _envelope(500, "Internal simulator error"))
        if reply.drop:
            self.close_connection = True
            self._log(started, "dropped")
            return
        self._send(reply)
        self._log(started, str(reply.status))

    def _route(self, req: Request) -> Reply:
        sim = self.server.sim
        if req.path == CONTROL_PREFIX or req.path.startswith(CONTROL_PREFIX + "/"):
            if not ipaddress.ip_address(self.client_address[0]).is_loopback:
                raise ApiError(403, "The control API answers loopback clients only")
            req.path = req.path[len(CONTROL_PREFIX) :]
            return self.server.control.dispatch(req)

        operation, params, allowed = None, {}, []
        is_api = False
        if req.path == TOKEN_PATH:
            operation = "token" if req.method == "POST" else None
            allowed = [] if operation else ["POST"]
        else:
            for prefix in API_PREFIXES:
                if req.path.startswith(prefix + "/"):
                    is_api = True
                    req.path = req.path[len(prefix) :]
                    operation, params, allowed = match_api_route(req.method, req.path)
                    break
        if operation:
            sim.store.count_request(operation)

        self._apply_faults()
        if is_api:
            sim.authenticate(req.headers)
        if operation is None:
            if allowed:
                raise ApiError(405, "Method not allowed", {"Allow": ", ".join(allowed)})
            raise ApiError(404, "Not found")
        if operation == "token":
            return sim.issue_token(req)
        req.params = params
        return getattr(sim, operation)(req)

    def _apply_faults(self) -> None:
        sim = self.server.sim
        faults = sim.faults
        if faults.latency:
            time.sleep(faults.latency)
        if faults.rate_limit_rate and sim.draw() < faults.rate_limit_rate:
            raise ApiError(429, "Too many requests", self._retry_after(faults))
        if faults.fail_rate and sim.draw() < faults.fail_rate:
            status = SERVER_ERRORS[int(sim.draw() * len(SERVER_ERRORS))]
            headers = self._retry_after(faults) if status == 503 else {}
            raise ApiError(status, "Service temporarily unavailable (simulated)", headers)

    @staticmethod
    def _retry_after(faults) -> dict[str, str]:
        if faults.retry_after_style == "date":
            return {"Retry-After": formatdate(time.time() + faults.retry_after, usegmt=True)}
        return {"Retry-After": str(faults.retry_after)}

    def _send(self, reply: Reply) -> None:
        if reply.body is None:
            payload = b""
        elif isinstance(reply.body, bytes):
            payload = reply.body
        elif isinstance(reply.body, str):
            payload = reply.body.encode()
        else:
            payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("x-trace-id", self._trace_id)
        if payload:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 204:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _log(self, started: float, outcome: str) -> None:
        elapsed = (time.monotonic() - started) * 1000
        path = urlsplit(self.path).path  # no query string: it is nobody's business
        sys.stderr.write(
            f"lucidsim {self.client_address[0]} {self.command} {path} {outcome} "
            f"{elapsed:.1f}ms trace={self._trace_id}\n"
        )
        sys.stderr.flush()


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, config: Config) -> None:
        self.sim = Simulator(config)
        self.control = Control(self.sim)
        super().__init__((config.host, config.port), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def serve(config: Config) -> None:
    signal.signal(signal.SIGTERM, _stop)
    server = SimServer(config)
    domain = server.sim.store.domain()
    base = f"http://{config.host}:{server.port}"
    print(
        f"lucidsim listening on {base} (API {base}/api/v1 and {base}/v1, "
        f"token {base}{TOKEN_PATH}, control {base}{CONTROL_PREFIX}); "
        f"domain {domain.name if domain else '-'}, client id {config.client_id}, "
        f"db {config.db}, seed {config.seed}",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
        server.sim.store.close()
