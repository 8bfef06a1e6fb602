"""The token: fetched once, shared through the cache, renewed early, renewed on a 401."""

import base64
from urllib.parse import parse_qs

import pytest
import requests
import time_machine

from provisioning.lucidlink import (
    AuthenticationFailed,
    LocalTokenCache,
    LucidLinkClient,
    RateLimited,
    Unavailable,
)
from tests.provisioning.lucidlink.recorded_api import (
    ACCESS_TOKEN,
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    api_calls,
    make_config,
    token_body,
    token_calls,
)

DOMAINS_URL = f"{API_URL}/domains"


def test_token_request_is_client_credentials_with_basic_auth_and_form_body(lucidlink, mocked):
    mocked.get(DOMAINS_URL, json=[])

    lucidlink.list_domains()

    (call,) = token_calls(mocked)
    request = call.request
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert parse_qs(request.body) == {"grant_type": ["client_credentials"]}


def test_token_is_fetched_once_and_reused(lucidlink, mocked):
    mocked.get(DOMAINS_URL, json=[])

    for _ in range(3):
        lucidlink.list_domains()

    assert len(token_calls(mocked)) == 1
    assert len(api_calls(mocked)) == 3
    assert all(
        call.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        for call in api_calls(mocked)
    )


def test_token_is_shared_by_two_clients_through_the_same_cache(config, token_cache, mocked):
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(DOMAINS_URL, json=[])

    LucidLinkClient(config, token_cache=token_cache).list_domains()
    LucidLinkClient(config, token_cache=token_cache).list_domains()

    assert len(token_calls(mocked)) == 1


def test_clients_with_separate_caches_fetch_their_own_tokens(config, mocked):
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(DOMAINS_URL, json=[])

    LucidLinkClient(config).list_domains()
    LucidLinkClient(config).list_domains()

    assert len(token_calls(mocked)) == 2


class RecordingCache(LocalTokenCache):
    def __init__(self):
        super().__init__()
        self.writes = []

    def set(self, key, value, timeout):
        self.writes.append((key, value, timeout))
        super().set(key, value, timeout)


def test_cache_key_is_hashed_and_holds_neither_secret_nor_client_id(config, mocked):
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(DOMAINS_URL, json=[])
    recording = RecordingCache()

    LucidLinkClient(config, token_cache=recording).list_domains()

    ((key, value, timeout),) = recording.writes
    assert CLIENT_SECRET not in key
    assert CLIENT_ID not in key
    assert ACCESS_TOKEN not in key
    assert value["access_token"] == ACCESS_TOKEN
    assert timeout == 3600


def test_cache_key_differs_per_client_id(mocked):
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(DOMAINS_URL, json=[])
    recording = RecordingCache()

    LucidLinkClient(make_config(client_id="one"), token_cache=recording).list_domains()
    LucidLinkClient(make_config(client_id="two"), token_cache=recording).list_domains()

    assert len({key for key, _, _ in recording.writes}) == 2
    assert len(token_calls(mocked)) == 2


def test_token_is_renewed_shortly_before_it_expires(config, token_cache, mocked):
    mocked.post(TOKEN_URL, json=token_body(expires_in=3600))
    mocked.get(DOMAINS_URL, json=[])

    with time_machine.travel("2025-03-01 12:00:00+00:00", tick=False) as traveller:
        lucidlink = LucidLinkClient(config, token_cache=token_cache)
        lucidlink.list_domains()
        traveller.shift(3600 - 61)  # just outside the 60 s margin
        lucidlink.list_domains()
        assert len(token_calls(mocked)) == 1
        traveller.shift(2)  # inside the margin, still before expiry
        lucidlink.list_domains()
        assert len(token_calls(mocked)) == 2


def test_token_living_less_than_twice_the_margin_is_renewed_half_way(token_cache, mocked):
    mocked.post(TOKEN_URL, json=token_body(expires_in=60))
    mocked.get(DOMAINS_URL, json=[])

    with time_machine.travel("2025-03-01 12:00:00+00:00", tick=False) as traveller:
        lucidlink = LucidLinkClient(make_config(token_renew_margin=60), token_cache=token_cache)
        lucidlink.list_domains()
        traveller.shift(29)
        lucidlink.list_domains()
        assert len(token_calls(mocked)) == 1
        traveller.shift(2)
        lucidlink.list_domains()
        assert len(token_calls(mocked)) == 2


def test_token_without_expires_in_is_kept_for_the_default_lifetime(config, mocked):
    mocked.post(TOKEN_URL, json=token_body(expires_in=None))
    mocked.get(DOMAINS_URL, json=[])
    recording = RecordingCache()

    LucidLinkClient(config, token_cache=recording).list_domains()

    ((_, _, timeout),) = recording.writes
    assert timeout == 3600


def test_401_on_a_cached_token_renews_it_once_and_retries_the_call(config, token_cache, mocked):
    mocked.post(TOKEN_URL, json=token_body("first"))
    mocked.post(TOKEN_URL, json=token_body("second"))
    mocked.get(DOMAINS_URL, json=[])
    mocked.get(DOMAINS_URL, status=401, json={"status": 401, "message": "Illegal request"})
    mocked.get(DOMAINS_URL, json=[{"id": "d1", "name": "portal"}])
    lucidlink = LucidLinkClient(config, token_cache=token_cache)
    lucidlink.list_domains()  # caches "first"

    domains = lucidlink.list_domains()

    assert [domain.id for domain in domains] == ["d1"]
    assert len(token_calls(mocked)) == 2
    sent = [call.request.headers["Authorization"] for call in api_calls(mocked)]
    assert sent == ["Bearer first", "Bearer first", "Bearer second"]


def test_second_401_after_renewal_raises_authentication_failed(config, token_cache, mocked):
    mocked.post(TOKEN_URL, json=token_body("first"))
    mocked.post(TOKEN_URL, json=token_body("second"))
    mocked.get(DOMAINS_URL, json=[])
    mocked.get(
        DOMAINS_URL,
        status=401,
        json={"status": 401, "message": "Illegal request"},
        headers={"x-trace-id": "trace-401"},
    )
    lucidlink = LucidLinkClient(config, token_cache=token_cache)
    lucidlink.list_domains()

    with pytest.raises(AuthenticationFailed) as caught:
        lucidlink.list_domains()

    assert caught.value.status == 401
    assert caught.value.trace_id == "trace-401"
    assert caught.value.message == "Illegal request"
    assert len(token_calls(mocked)) == 2
    assert len(api_calls(mocked)) == 3  # the first call, the 401, the one retry


def test_401_with_a_token_fetched_for_this_very_call_is_not_retried(lucidlink, mocked):
    mocked.get(DOMAINS_URL, status=401, json={"status": 401, "message": "Illegal request"})

    with pytest.raises(AuthenticationFailed):
        lucidlink.list_domains()

    assert len(token_calls(mocked)) == 1
    assert len(api_calls(mocked)) == 1


def test_renewal_adopts_a_token_another_worker_already_stored(config, token_cache, mocked):
    mocked.post(TOKEN_URL, json=token_body("first"))
    mocked.get(DOMAINS_URL, json=[])
    mocked.get(DOMAINS_URL, status=401, json={"status": 401, "message": "Illegal request"})
    mocked.get(DOMAINS_URL, json=[])
    mine = LucidLinkClient(config, token_cache=token_cache)
    mine.list_domains()

    class OtherWorkerRenews(LocalTokenCache):
        """Acts like a shared cache in which another process renewed the token."""

        def get(self, key):
            value = token_cache.get(key)
            if value and value["access_token"] == "first" and len(api_calls(mocked)) >= 2:
                value = dict(value, access_token="from-other-worker")
            return value

    mine._cache = OtherWorkerRenews()
    mine.list_domains()

    assert len(token_calls(mocked)) == 1
    assert api_calls(mocked)[-1].request.headers["Authorization"] == "Bearer from-other-worker"


@pytest.mark.parametrize(
    ("style", "expected"), [("bearer", f"Bearer {ACCESS_TOKEN}"), ("bare", ACCESS_TOKEN)]
)
def test_authorization_header_style_is_a_setting(
    style, expected, token_cache, token_endpoint, mocked
):
    mocked.get(DOMAINS_URL, json=[])

    LucidLinkClient(make_config(auth_header_style=style), token_cache=token_cache).list_domains()

    assert api_calls(mocked)[0].request.headers["Authorization"] == expected


def test_unknown_header_style_is_refused():
    with pytest.raises(ValueError, match="auth_header_style"):
        make_config(auth_header_style="basic")


def test_timeouts_are_sent_with_the_token_fetch_and_every_call(token_cache, mocked):
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(DOMAINS_URL, json=[])
    config = make_config(connect_timeout=2.5, read_timeout=7.0)

    LucidLinkClient(config, token_cache=token_cache).list_domains()

    assert [call.request.req_kwargs["timeout"] for call in mocked.calls] == [(2.5, 7.0)] * 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "invalid_client", "error_description": "Bad client credentials"}),
        (400, {"error": "invalid_client", "error_description": "Bad client credentials"}),
        (403, {"status": 403, "message": "Bad client credentials"}),
    ],
)
def test_token_endpoint_refusing_raises_authentication_failed(config, mocked, status, body):
    mocked.post(TOKEN_URL, status=status, json=body, headers={"x-trace-id": "tr-auth"})

    with pytest.raises(AuthenticationFailed) as caught:
        LucidLinkClient(config).list_domains()

    assert "Bad client credentials" in caught.value.message
    assert caught.value.status == status
    assert caught.value.trace_id == "tr-auth"
    assert api_calls(mocked) == []


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer", "expires_in": 3600},  # no access_token
        "<html>gateway says hi</html>",
    ],
)
def test_token_endpoint_answering_200_without_a_token_raises_authentication_failed(
    config, mocked, body
):
    if isinstance(body, dict):
        mocked.post(TOKEN_URL, json=body)
    else:
        mocked.post(TOKEN_URL, body=body, content_type="text/html")

    with pytest.raises(AuthenticationFailed):
        LucidLinkClient(config).list_domains()


def test_token_endpoint_rate_limit_raises_rate_limited_with_its_wait(config, mocked):
    mocked.post(
        TOKEN_URL,
        status=429,
        json={"status": 429, "message": "slow down"},
        headers={"Retry-After": "17"},
    )

    with pytest.raises(RateLimited) as caught:
        LucidLinkClient(config).list_domains()

    assert caught.value.retry_after == 17.0


def test_token_endpoint_5xx_raises_unavailable_not_committed(config, mocked):
    mocked.post(TOKEN_URL, status=503, body="upstream down")

    with pytest.raises(Unavailable) as caught:
        LucidLinkClient(config).list_domains()

    assert caught.value.status == 503
    assert caught.value.maybe_committed is False
    assert "upstream down" in caught.value.message


@pytest.mark.parametrize("exc", [requests.ConnectionError("refused"), requests.ReadTimeout()])
def test_token_endpoint_transport_failure_raises_unavailable_not_committed(config, mocked, exc):
    mocked.post(TOKEN_URL, body=exc)

    with pytest.raises(Unavailable) as caught:
        LucidLinkClient(config).list_domains()

    # The operation itself was never sent, whatever happened to the token request.
    assert caught.value.maybe_committed is False
    assert api_calls(mocked) == []


class BrokenCache:
    def get(self, key):
        raise ConnectionError("redis is down")

    def set(self, key, value, timeout):
        raise ConnectionError("redis is down")

    def delete(self, key):
        raise ConnectionError("redis is down")


def test_a_failing_cache_does_not_stop_calls(config, mocked):
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(DOMAINS_URL, json=[])

    assert LucidLinkClient(config, token_cache=BrokenCache()).list_domains() == []


def test_plain_http_is_allowed_to_a_simulator_on_this_machine(token_cache, monkeypatch, mocked):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    local_token_url = "http://127.0.0.1:8765/oauth2/token"
    mocked.post(local_token_url, json=token_body())
    mocked.get("http://127.0.0.1:8765/api/v1/domains", json=[])
    config = make_config(api_url="http://127.0.0.1:8765/api/v1", token_url=local_token_url)

    assert LucidLinkClient(config, token_cache=token_cache).list_domains() == []


def test_plain_http_to_another_machine_is_refused(monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    config = make_config(
        api_url="http://api.lucidlink.test/api/v1", token_url="http://auth.lucidlink.test/t"
    )

    with pytest.raises(ValueError, match="plain http"):
        LucidLinkClient(config)
