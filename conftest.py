"""Fixtures everyone needs: people in organisations, logged-in clients, API settings,
and (from tests/fixtures) the live simulator and a real Celery worker."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from portal.celery import app as celery_app

pytest_plugins = [
    "tests.fixtures.lucidlink_http",
    "tests.fixtures.simulator",
    "tests.fixtures.worker",
]

# Tests never share a queue with a development worker running on the same machine.
TEST_QUEUE = f"portal-test-{uuid.uuid4().hex[:8]}"
celery_app.conf.task_default_queue = TEST_QUEUE
# ...nor a cache: a file cache of its own, or its own key prefix in a shared Redis.
if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    settings.CACHES["default"]["LOCATION"] = str(settings.VAR_DIR / f"test-cache-{os.getpid()}")
settings.CACHES["default"]["KEY_PREFIX"] = TEST_QUEUE


@pytest.fixture(autouse=True)
def _fresh_cache():
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # django-redis: only this run's prefix
    else:
        cache.clear()
    yield


@pytest.fixture
def lucidlink_settings(settings):
    """Point the portal at a fake API base that `responses` intercepts."""
    settings.LUCIDLINK_API_URL = "https://api.lucidlink.test/api/v1"
    settings.LUCIDLINK_TOKEN_URL = "https://auth.lucidlink.test/oauth2/token"
    settings.LUCIDLINK_CLIENT_ID = "unit-client"
    settings.LUCIDLINK_CLIENT_SECRET = "unit-secret-value"
    settings.LUCIDLINK_DOMAIN = "unit-domain"
    return settings


@pytest.fixture
def owner(db):
    from tests.factories import MembershipFactory

    return MembershipFactory(role="owner")


@pytest.fixture
def login(client):
    """login(membership) -> a test client signed in as that membership's user."""

    def _login(membership):
        client.force_login(membership.user)
        return client

    return _login


@pytest.fixture
def owner_client(login, owner):
    return login(owner)
