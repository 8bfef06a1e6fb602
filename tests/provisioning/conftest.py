"""Fixtures for provisioning tests: the LucidLink API faked at the HTTP boundary."""

import pytest
import responses

API = "https://api.lucidlink.test/api/v1"
TOKEN = "https://auth.lucidlink.test/oauth2/token"
DOMAIN_ID = "dom-1"


def upstream_filespace(name, *, fs_id="up-1", status="provisioning", provider="Wasabi"):
    return {
        "id": fs_id,
        "domain": DOMAIN_ID,
        "name": name,
        "status": status,
        "subscriptionType": "basic",
        "storage": {"owner": "lucidlink", "provider": provider, "region": "eu-central-1"},
        "stats": {"filespaceSize": 0, "usedStorage": 0},
    }


@pytest.fixture
def api(lucidlink_settings):
    """The API at the HTTP boundary, with a token endpoint and the provider's domain."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(TOKEN, json={"access_token": "t1", "token_type": "Bearer", "expires_in": 3600})
        rsps.get(f"{API}/domains", json=[{"id": DOMAIN_ID, "name": "unit-domain"}])
        yield rsps


def calls(rsps, method, path):
    return [
        c for c in rsps.calls
        if c.request.method == method and c.request.url.split("?")[0] == f"{API}{path}"
    ]  # fmt: skip
