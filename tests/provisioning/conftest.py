"""Fixtures for provisioning tests: the LucidLink API faked at the HTTP boundary."""

from tests.fixtures.lucidlink_http import API, DOMAIN_ID, TOKEN, calls  # noqa: F401 (re-exported)


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
