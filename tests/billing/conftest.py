"""Fixtures for billing tests: the LucidLink API faked at the HTTP boundary, and a UTC
billing time zone unless a test says otherwise."""

import pytest

from tests.fixtures.lucidlink_http import API, DOMAIN_ID, TOKEN, calls  # noqa: F401 (re-exported)


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
