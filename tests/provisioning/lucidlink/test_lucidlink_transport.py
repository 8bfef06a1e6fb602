"""Real sockets on loopback: how refused, dropped and silent connections are reported,
and that nothing logged along the way carries a credential."""

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from provisioning.lucidlink import ClientConfig, LocalTokenCache, LucidLinkClient, Unavailable

SECRET = "transport-secret-0123456789"
TOKEN = "transport-token-abcdef"


class _Handler(BaseHTTPRequestHandler):
    # What to do with API calls: "answer", "drop" (read the request, close without a
    # word) or "stall" (read it and never answer).
    mode = "answer"

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/oauth2/token":
            self._reply(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})
            return
        self.server.received.append((self.command, self.path, body))
        if self.mode == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.mode == "stall":
            self.server.release.wait(5)
            return
        self._reply(201, {"id": "dom-1", "name": "portal"})

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {}))
    httpd.received = []
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def _client(port, **overrides):
    base = f"http://127.0.0.1:{port}"
    config = ClientConfig(
        api_url=f"{base}/api/v1",
        token_url=f"{base}/oauth2/token",
        client_id="transport-client",
        client_secret=SECRET,
        **overrides,
    )
    return LucidLinkClient(config, token_cache=LocalTokenCache())


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_is_unavailable_and_not_committed():
    client = _client(_free_port())

    with pytest.raises(Unavailable) as caught:
        client.create_domain(name="portal")

    assert caught.value.maybe_committed is False


def test_connection_dropped_after_sending_may_have_committed(server):
    server.RequestHandlerClass.mode = "drop"
    client = _client(server.server_address[1])

    with pytest.raises(Unavailable) as caught:
        client.create_domain(name="portal")

    assert caught.value.maybe_committed is True
    assert server.received == [("POST", "/api/v1/domains", b'{"name": "portal"}')]


def test_read_timeout_may_have_committed(server):
    server.RequestHandlerClass.mode = "stall"
    client = _client(server.server_address[1], read_timeout=0.3)

    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        client.create_domain(name="portal")

    assert caught.value.maybe_committed is True
    assert "timed out" in caught.value.message
    assert time.monotonic() - started < 3


def test_nothing_logged_or_raised_carries_the_secret_or_the_token(server, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3 and oauthlib included
    port = server.server_address[1]
    client = _client(port)
    client.create_domain(name="portal")
    server.RequestHandlerClass.mode = "drop"
    with pytest.raises(Unavailable) as dropped:
        client.create_domain(name="portal")
    with pytest.raises(Unavailable) as refused:
        _client(_free_port()).create_domain(name="portal")

    texts = [caplog.text, str(dropped.value), repr(dropped.value), str(refused.value)]
    texts += [repr(client), repr(client._config)]
    assert "lucidlink POST /api/v1/domains" not in caplog.text  # paths are API-relative
    assert "lucidlink POST /domains -> 201" in caplog.text
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text
