"""Every failure becomes a typed error carrying message, status and trace id."""

import pickle

import pytest
import requests
import time_machine
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from provisioning.lucidlink import (
    AuthenticationFailed,
    Conflict,
    Invalid,
    LucidLinkError,
    NotFound,
    RateLimited,
    RegionDisabled,
    Storage,
    Unavailable,
    UnexpectedResponse,
)
from tests.provisioning.lucidlink.recorded_api import API_URL

FILESPACES_URL = f"{API_URL}/filespaces"
WASABI = Storage(provider="Wasabi", owner="lucidlink")


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, Invalid),
        (404, NotFound),
        (409, Conflict),
        (422, RegionDisabled),
        (429, RateLimited),
        (500, Unavailable),
        (502, Unavailable),
        (503, Unavailable),
        (418, LucidLinkError),
    ],
)
def test_error_status_raises_its_typed_error_with_message_and_trace_id(
    lucidlink, mocked, status, error_class
):
    mocked.get(
        FILESPACES_URL,
        status=status,
        json={"status": status, "message": "Filespace name is taken"},
        headers={"x-trace-id": "trace-123"},
    )

    with pytest.raises(error_class) as caught:
        lucidlink.list_filespaces()

    error = caught.value
    assert type(error) is error_class
    assert error.status == status
    assert error.message == "Filespace name is taken"
    assert error.trace_id == "trace-123"
    assert str(error) == f"Filespace name is taken (status {status}, trace id trace-123)"


def test_error_without_trace_id_says_only_the_status(lucidlink, mocked):
    mocked.get(FILESPACES_URL, status=404, json={"status": 404, "message": "Not found"})

    with pytest.raises(NotFound) as caught:
        lucidlink.list_filespaces()

    assert caught.value.trace_id is None
    assert str(caught.value) == "Not found (status 404)"


def test_server_errors_may_have_been_committed(lucidlink, mocked):
    mocked.post(FILESPACES_URL, status=500, json={"status": 500, "message": "oops"})

    with pytest.raises(Unavailable) as caught:
        lucidlink.create_filespace(domain_id="d1", name="projects", storage=WASABI)

    assert caught.value.maybe_committed is True
    assert caught.value.retry_after is None


def test_service_unavailable_carries_its_retry_after(lucidlink, mocked):
    mocked.get(FILESPACES_URL, status=503, body="", headers={"Retry-After": "45"})

    with pytest.raises(Unavailable) as caught:
        lucidlink.list_filespaces()

    assert caught.value.retry_after == 45.0


def test_html_error_page_becomes_a_short_plain_message(lucidlink, mocked):
    page = "<html><body><h1>502 Bad Gateway</h1>" + "x" * 5000 + "</body></html>"
    mocked.get(FILESPACES_URL, status=502, body=page, content_type="text/html")

    with pytest.raises(Unavailable) as caught:
        lucidlink.list_filespaces()

    assert caught.value.message.startswith("<html><body><h1>502 Bad Gateway</h1>")
    assert len(caught.value.message) <= 300


def test_empty_error_body_falls_back_to_the_reason_phrase(lucidlink, mocked):
    mocked.get(FILESPACES_URL, status=404, body="")

    with pytest.raises(NotFound) as caught:
        lucidlink.list_filespaces()

    assert caught.value.message == "Not Found"


def test_json_error_without_the_envelope_is_still_readable(lucidlink, mocked):
    mocked.get(FILESPACES_URL, status=400, json=["not", "an", "envelope"])

    with pytest.raises(Invalid) as caught:
        lucidlink.list_filespaces()

    assert caught.value.message == '["not", "an", "envelope"]'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("12", 12.0),
        ("Sat, 01 Mar 2025 12:02:00 GMT", 120.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),  # in the past
        ("86400", 300.0),  # capped at max_retry_after
        (None, 30.0),  # absent: the default
    ],
)
def test_rate_limit_carries_the_wait_from_retry_after(lucidlink, mocked, header, expected):
    headers = {"x-trace-id": "tr-429"}
    if header is not None:
        headers["Retry-After"] = header
    mocked.get(
        FILESPACES_URL, status=429, json={"status": 429, "message": "Slow down"}, headers=headers
    )

    with (
        time_machine.travel("2025-03-01 12:00:00+00:00", tick=False),
        pytest.raises(RateLimited) as caught,
    ):
        lucidlink.list_filespaces()

    assert caught.value.retry_after == expected
    assert caught.value.trace_id == "tr-429"


def _refused():
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")
    return requests.ConnectionError(MaxRetryError(None, "/api/v1/filespaces", reason))


def _dropped():
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )


@pytest.mark.parametrize(
    ("exc", "maybe_committed"),
    [
        (requests.ConnectTimeout("connect timed out"), False),
        (_refused(), False),
        (requests.exceptions.SSLError("handshake failed"), False),
        (requests.ReadTimeout("read timed out"), True),
        (_dropped(), True),
        (requests.exceptions.ChunkedEncodingError("body cut short"), True),
    ],
)
def test_transport_failures_raise_unavailable_saying_whether_it_may_have_committed(
    lucidlink, mocked, exc, maybe_committed
):
    mocked.post(FILESPACES_URL, body=exc)

    with pytest.raises(Unavailable) as caught:
        lucidlink.create_filespace(domain_id="d1", name="projects", storage=WASABI)

    assert caught.value.maybe_committed is maybe_committed
    assert caught.value.status is None
    assert caught.value.__cause__ is exc


def test_redirect_is_not_followed(lucidlink, mocked):
    mocked.get(FILESPACES_URL, status=302, headers={"Location": "https://elsewhere.test/"})

    with pytest.raises(UnexpectedResponse) as caught:
        lucidlink.list_filespaces()

    assert caught.value.status == 302
    assert len(mocked.calls) == 2  # the token and the one call, no redirect followed


def test_success_without_json_raises_unexpected_response(lucidlink, mocked):
    mocked.get(FILESPACES_URL, body="<html>maintenance</html>", content_type="text/html")

    with pytest.raises(UnexpectedResponse):
        lucidlink.list_filespaces()


def test_success_missing_contract_fields_raises_unexpected_response(lucidlink, mocked):
    mocked.get(FILESPACES_URL, json=[{"id": "f1", "name": "projects"}])

    with pytest.raises(UnexpectedResponse, match="domain"):
        lucidlink.list_filespaces()


@pytest.mark.parametrize(
    "error",
    [
        LucidLinkError("boom", status=418, trace_id="t"),
        NotFound("gone", status=404, trace_id="t"),
        RateLimited("slow", retry_after=12.0, trace_id="t"),
        Unavailable("down", maybe_committed=True, retry_after=3.0, status=503, trace_id="t"),
        AuthenticationFailed("no", status=401),
    ],
)
def test_errors_survive_pickling_for_celery(error):
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert copy.__dict__ == error.__dict__
    assert str(copy) == str(error)
