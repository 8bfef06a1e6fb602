"""Fixtures for the LucidLink client's unit tests: the HTTP boundary is `responses`."""

import pytest
import responses

from provisioning.lucidlink import LocalTokenCache, LucidLinkClient
from tests.provisioning.lucidlink.recorded_api import TOKEN_URL, make_config, token_body


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def token_endpoint(mocked):
    """The token endpoint answering one token that lasts an hour."""
    return mocked.post(TOKEN_URL, json=token_body())


@pytest.fixture
def token_cache():
    return LocalTokenCache()


@pytest.fixture
def config():
    return make_config()


@pytest.fixture
def lucidlink(config, token_cache, token_endpoint):
    with LucidLinkClient(config, token_cache=token_cache) as lucidlink:
        yield lucidlink
