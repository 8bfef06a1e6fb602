"""The client against the live simulator, every request and response checked against the
published contract (service-api-v1.yaml)."""

import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from requests.adapters import HTTPAdapter

from provisioning.lucidlink import (
    AuthenticationFailed,
    Card,
    ClientConfig,
    Conflict,
    Invalid,
    LocalTokenCache,
    LucidLinkClient,
    NotFound,
    PaymentDetails,
    RateLimited,
    RegionDisabled,
    Storage,
    Unavailable,
)
from tests.fixtures.contract import validate_request, validate_requests_response

WASABI = Storage(provider="Wasabi", owner="lucidlink", region="eu-central-1")


class ContractCheckingAdapter(HTTPAdapter):
    """Checks every request the client sends to the API before it leaves."""

    def __init__(self, api_url, sent):
        super().__init__()
        self.api_url = api_url
        self.sent = sent

    def send(self, request, **kwargs):
        if request.url.startswith(self.api_url):
            validate_request(
                request.method,
                request.url,
                body=request.body,
                content_type=request.headers.get("Content-Type") or "application/json",
            )
            self.sent.append((request.method, request.path_url))
        return super().send(request, **kwargs)


class Recorder:
    """What one test's client sent and received; every response checked on arrival."""

    def __init__(self):
        self.sent = []
        self.statuses = []

    def check(self, response):
        content_type = response.headers.get("Content-Type", "")
        if response.status_code == 200 and content_type.startswith("text/csv"):
            # tests/fixtures/contract.py hands openapi-core the CSV as bytes, which fails
            # the contract's `type: string`; until it decodes text bodies, check by hand.
            assert response.text
        else:
            validate_requests_response(response)
        self.statuses.append(response.status_code)


def make_client(simulator, recorder, *, token_cache=None, **overrides):
    values = {
        "api_url": simulator.api_url,
        "token_url": simulator.token_url,
        "client_id": simulator.client_id,
        "client_secret": simulator.client_secret,
        "read_timeout": 10.0,
    }
    values.update(overrides)

    def session_factory():
        session = requests.Session()
        session.mount("http://", ContractCheckingAdapter(simulator.api_url, recorder.sent))
        return session

    return LucidLinkClient(
        ClientConfig(**values),
        token_cache=token_cache if token_cache is not None else LocalTokenCache(),
        session_factory=session_factory,
        response_hook=recorder.check,
    )


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def lucidlink(simulator, recorder):
    simulator.set_faults(provisioning_delay=0)
    with make_client(simulator, recorder) as client:
        yield client
    # Every test got answers, and each one passed the contract check on arrival.
    assert recorder.statuses


def unique_name(prefix="fs"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def qualified(simulator, name):
    return f"{name}.{simulator.domain}"


# --- Every operation -----------------------------------------------------------------------


def test_domain_operations(simulator, lucidlink):
    (domain,) = lucidlink.list_domains()
    assert domain.id == simulator.domain_id
    assert domain.name == simulator.domain
    assert lucidlink.get_domain(domain.id) == domain
    assert lucidlink.find_domain(simulator.domain) == domain
    assert lucidlink.find_domain("no-such-domain") is None

    renamed = lucidlink.update_domain(domain.id, name="portal-renamed")
    assert renamed.name == "portal-renamed"
    assert lucidlink.get_domain(domain.id).name == "portal-renamed"

    with pytest.raises(Conflict):
        lucidlink.create_domain(name="second-domain")
    with pytest.raises(NotFound):
        lucidlink.get_domain("00000000-0000-0000-0000-000000000000")
    with pytest.raises(Invalid):
        lucidlink.update_domain(domain.id, name="Not Valid!")

    lucidlink.delete_domain(domain.id)
    assert lucidlink.list_domains() == []
    created = lucidlink.create_domain(name="portal-again")
    assert lucidlink.list_domains() == [created]


def test_filespace_lifecycle(simulator, lucidlink):
    name = unique_name()
    created = lucidlink.create_filespace(
        domain_id=simulator.domain_id, name=name, storage=WASABI, subscription_type="basic"
    )
    assert created.name == name
    assert created.domain == simulator.domain_id
    assert created.storage.provider == "Wasabi"
    assert created.storage.bucket  # created by LucidLink when left out

    assert lucidlink.get_filespace(created.id).id == created.id
    assert [fs.id for fs in lucidlink.list_filespaces()] == [created.id]
    assert lucidlink.find_filespace(qualified(simulator, name)).id == created.id
    assert lucidlink.find_filespace(qualified(simulator, "absent")) is None

    simulator.set_filespace(created.id, status="provisioned", stats={"usedStorage": 5 * 2**30})
    filespace = lucidlink.get_filespace(created.id)
    assert filespace.status == "provisioned"
    assert filespace.stats.used_storage == 5 * 2**30

    with pytest.raises(Conflict):
        lucidlink.create_filespace(domain_id=simulator.domain_id, name=name, storage=WASABI)

    lucidlink.delete_filespace(created.id)
    assert lucidlink.find_filespace(qualified(simulator, name)) is None


def test_filespace_refusals(simulator, lucidlink):
    domain_id = simulator.domain_id
    with pytest.raises(Invalid):
        lucidlink.create_filespace(domain_id=domain_id, name="Bad Name", storage=WASABI)
    with pytest.raises(NotFound):
        lucidlink.get_filespace("00000000-0000-0000-0000-000000000000")

    simulator.set_faults(provisioning_delay=3600)
    pending = lucidlink.create_filespace(domain_id=domain_id, name=unique_name(), storage=WASABI)
    assert pending.status == "provisioning"
    with pytest.raises(Conflict):
        lucidlink.delete_filespace(pending.id)

    simulator.set_faults(disabled_regions=["eu-central-1"])
    with pytest.raises(RegionDisabled) as caught:
        lucidlink.create_filespace(domain_id=domain_id, name=unique_name(), storage=WASABI)
    assert caught.value.trace_id  # the simulator sends x-trace-id like the real service


def test_customer_storage_with_every_option(simulator, lucidlink):
    storage = Storage(
        provider="Other",
        owner="customer",
        region="eu-1",
        endpoint="s3.example.test:443",
        bucket="customer-bucket",
    )

    created = lucidlink.create_filespace(
        domain_id=simulator.domain_id,
        name=unique_name(),
        storage=storage,
        subscription_type="custom",
        version=4,
    )

    assert created.storage == storage
    assert created.subscription_type == "custom"
    assert created.version == 4


def test_payment_details(lucidlink):
    card = Card(number_last4="4242", expiry_month=12, expiry_year=datetime.now(UTC).year + 2)

    lucidlink.set_payment_details(
        PaymentDetails(description="Ops card", payment_source_token="src_live", card=card)
    )

    details = lucidlink.get_payment_details()
    assert details.description == "Ops card"
    assert details.card == card


def test_billing_period_invoices_and_breakdown(simulator, lucidlink):
    filespace = lucidlink.create_filespace(
        domain_id=simulator.domain_id, name=unique_name(), storage=WASABI
    )
    simulator.set_filespace(filespace.id, status="provisioned", stats={"usedStorage": 2**40})

    period = lucidlink.get_current_period()
    assert period.start < period.end
    assert period.start.tzinfo is UTC
    assert isinstance(period.amount_due, Decimal)
    assert isinstance(period.amount_due_forecast, Decimal)

    simulator.advance_clock(45 * 24 * 3600)  # close at least one month
    invoices = lucidlink.list_invoices()
    assert invoices
    invoice = invoices[0]
    assert isinstance(invoice.amount_due, Decimal)
    assert invoice.period_start < invoice.period_end
    csv_text = lucidlink.get_invoice_breakdown_csv(invoice.id)
    assert csv_text.splitlines()[0]
    with pytest.raises(NotFound):
        lucidlink.get_invoice_breakdown_csv("no-such-invoice")


# --- Authentication ------------------------------------------------------------------------


def test_token_is_fetched_once_for_many_calls_and_shared_between_clients(simulator, recorder):
    cache = LocalTokenCache()
    simulator.reset_request_counts()

    for _ in range(3):
        make_client(simulator, recorder, token_cache=cache).list_domains()

    counts = simulator.request_counts()
    assert counts["token"] == 1
    assert counts["getDomains"] == 3


def test_bare_authorization_header_is_accepted(simulator, recorder):
    client = make_client(simulator, recorder, auth_header_style="bare")

    assert client.list_domains()


def test_wrong_secret_raises_authentication_failed_without_the_secret(simulator, recorder):
    client = make_client(simulator, recorder, client_secret="wrong-secret-value")

    with pytest.raises(AuthenticationFailed) as caught:
        client.list_domains()

    assert caught.value.status == 401
    assert "wrong-secret-value" not in str(caught.value)
    assert simulator.client_secret not in str(caught.value)


def test_tokens_expiring_mid_run_are_renewed_transparently(simulator, lucidlink):
    lucidlink.list_domains()
    simulator.reset_request_counts()

    simulator.expire_tokens()
    assert lucidlink.list_domains()

    counts = simulator.request_counts()
    assert counts["token"] == 1
    assert counts["getDomains"] == 2  # the 401, then the retry with the new token


def test_client_keeps_working_across_a_simulator_restart(simulator, lucidlink):
    name = unique_name()
    lucidlink.create_filespace(domain_id=simulator.domain_id, name=name, storage=WASABI)

    simulator.restart()

    assert lucidlink.find_filespace(qualified(simulator, name)).name == name


def test_simulator_down_is_unavailable_and_certainly_not_committed(simulator, lucidlink):
    lucidlink.list_domains()
    simulator.stop()
    try:
        with pytest.raises(Unavailable) as caught:
            lucidlink.create_filespace(
                domain_id=simulator.domain_id, name=unique_name(), storage=WASABI
            )
    finally:
        simulator.start()

    assert caught.value.maybe_committed is False


# --- Faults --------------------------------------------------------------------------------


def test_server_errors_raise_unavailable(simulator, lucidlink):
    lucidlink.list_domains()  # fetch the token before the faults start
    simulator.set_faults(fail_rate=1.0)

    statuses = set()
    for _ in range(6):
        with pytest.raises(Unavailable) as caught:
            lucidlink.list_filespaces()
        assert caught.value.maybe_committed is True
        assert caught.value.trace_id
        statuses.add(caught.value.status)

    assert statuses <= {500, 502, 503}


def test_rate_limit_with_delta_seconds(simulator, lucidlink):
    lucidlink.list_domains()
    simulator.set_faults(rate_limit_rate=1.0, retry_after_style="seconds", retry_after=7)

    with pytest.raises(RateLimited) as caught:
        lucidlink.list_filespaces()

    assert caught.value.retry_after == 7.0
    assert caught.value.status == 429


def test_rate_limit_with_http_date(simulator, lucidlink):
    lucidlink.list_domains()
    simulator.set_faults(rate_limit_rate=1.0, retry_after_style="date", retry_after=120)

    with pytest.raises(RateLimited) as caught:
        lucidlink.list_filespaces()

    # An HTTP-date has whole seconds: the wait is 120 s less the fraction already gone.
    assert 118.0 <= caught.value.retry_after <= 120.0


def test_rate_limit_wait_is_capped(simulator, recorder):
    client = make_client(simulator, recorder, max_retry_after=10.0)
    client.list_domains()
    simulator.set_faults(rate_limit_rate=1.0, retry_after=3600)

    with pytest.raises(RateLimited) as caught:
        client.list_filespaces()

    assert caught.value.retry_after == 10.0


def test_rate_limited_token_endpoint_raises_rate_limited(simulator, recorder):
    simulator.set_faults(rate_limit_rate=1.0, retry_after=9)

    with pytest.raises(RateLimited) as caught:
        make_client(simulator, recorder).list_domains()

    assert caught.value.retry_after == 9.0
    assert recorder.sent == []  # the operation itself never left


def test_dropped_create_may_have_committed_and_the_lookup_finds_exactly_one(simulator, lucidlink):
    name = unique_name()
    simulator.set_faults(drop_after_commit_rate=1.0)

    with pytest.raises(Unavailable) as caught:
        lucidlink.create_filespace(domain_id=simulator.domain_id, name=name, storage=WASABI)
    assert caught.value.maybe_committed is True

    simulator.set_faults(drop_after_commit_rate=0.0)
    found = lucidlink.find_filespace(qualified(simulator, name))
    assert found is not None
    assert [fs.id for fs in lucidlink.list_filespaces() if fs.name == name] == [found.id]
    with pytest.raises(Conflict):
        lucidlink.create_filespace(domain_id=simulator.domain_id, name=name, storage=WASABI)


def test_latency_beyond_the_read_timeout_is_unavailable_maybe_committed(simulator, recorder):
    client = make_client(simulator, recorder, read_timeout=0.3)
    client.list_domains()
    simulator.set_faults(latency=1.0)

    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        client.list_filespaces()

    assert caught.value.maybe_committed is True
    assert time.monotonic() - started < 1.0
    simulator.set_faults(latency=0)
