"""Fixtures for billing tests: the LucidLink API faked at the HTTP boundary, and a UTC
billing time zone unless a test says otherwise."""

import pytest
import responses

API = "https://api.lucidlink.test/api/v1"
TOKEN = "https://auth.lucidlink.test/oauth2/token"
DOMAIN_ID = "dom-1"


def upstream_filespace(fs_id, name, *, used=0, read=0, users=0, status="provisioned"):
    return {
        "id": fs_id,
        "domain": DOMAIN_ID,
        "name": name,
        "status": status,
        "subscriptionType": "basic",
        "usersCount": users,
        "storage": {"owner": "lucidlink", "provider": "Wasabi", "region": "eu-central-1"},
        "stats": {
            "filespaceSize": used,
            "usedStorage": used,
            "getDataSize": read,
            "putDataSize": 7,
            "getRequestCount": 1,
            "putRequestCount": 2,
            "listRequestCount": 3,
            "deleteRequestCount": 4,
        },
    }


@pytest.fixture(autouse=True)
def _billing_settings(settings):
    settings.BILLING_TIME_ZONE = "UTC"
    settings.BILLING_COLLECT_SECONDS = 3600
    settings.BILLING_AUTO_ISSUE = True
    settings.BILLING_CLOSE_GRACE_MINUTES = 5
    return settings


@pytest.fixture
def api(lucidlink_settings):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(TOKEN, json={"access_token": "t1", "token_type": "Bearer", "expires_in": 3600})
        rsps.get(f"{API}/domains", json=[{"id": DOMAIN_ID, "name": "unit-domain"}])
        yield rsps


def calls(rsps, method, path):
    return [
        c for c in rsps.calls
        if c.request.method == method and c.request.url.split("?")[0] == f"{API}{path}"
    ]  # fmt: skip
