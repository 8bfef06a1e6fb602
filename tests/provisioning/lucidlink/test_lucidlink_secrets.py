"""The client secret and the token never reach a log line, an error or a repr."""

import base64
import logging

import pytest

from provisioning.lucidlink import AuthenticationFailed, Invalid, LucidLinkClient
from tests.provisioning.lucidlink.recorded_api import (
    ACCESS_TOKEN,
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    make_config,
    token_body,
)

BASIC_CREDENTIALS = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
SECRETS = (CLIENT_SECRET, ACCESS_TOKEN, BASIC_CREDENTIALS)


def _assert_clean(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_config_repr_hides_the_secret():
    _assert_clean(repr(make_config()), str(make_config()))


def test_error_echoing_the_token_is_redacted_and_logs_stay_clean(lucidlink, mocked, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, requests_oauthlib included
    mocked.post(
        f"{API_URL}/domains",
        status=400,
        json={"status": 400, "message": f"bad header Bearer {ACCESS_TOKEN}"},
    )

    with pytest.raises(Invalid) as caught:
        lucidlink.create_domain(name="Bad Name")

    assert caught.value.message == "bad header Bearer [redacted]"
    _assert_clean(caplog.text, str(caught.value), repr(caught.value), repr(lucidlink))


def test_token_endpoint_echoing_the_secret_is_redacted(mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.post(
        TOKEN_URL,
        status=401,
        json={"error": "invalid_client", "error_description": f"{CLIENT_SECRET} is wrong"},
    )

    with pytest.raises(AuthenticationFailed) as caught:
        LucidLinkClient(make_config()).list_domains()

    assert "[redacted] is wrong" in caught.value.message
    _assert_clean(caplog.text, str(caught.value), repr(caught.value))


def test_a_full_round_with_renewal_logs_nothing_secret(token_cache, mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.post(TOKEN_URL, json=token_body())
    mocked.post(TOKEN_URL, json=token_body())
    mocked.get(f"{API_URL}/domains", json=[])
    mocked.get(f"{API_URL}/domains", status=401, json={"status": 401, "message": "Illegal"})
    mocked.get(f"{API_URL}/domains", json=[])
    lucidlink = LucidLinkClient(make_config(), token_cache=token_cache)

    lucidlink.list_domains()
    lucidlink.list_domains()

    assert "lucidlink POST /oauth2/token -> 200" in caplog.text
    _assert_clean(caplog.text)
