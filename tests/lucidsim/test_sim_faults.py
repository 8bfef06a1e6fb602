"""Fault knobs: 5xx, 429 with Retry-After, latency, commit-then-drop, set at start or runtime."""

import time
from email.utils import parsedate_to_datetime

import pytest
import requests

from tests.fixtures.contract import validate_requests_response
from tests.fixtures.simulator import SimulatorProcess


def test_fail_rate_one_makes_every_api_call_a_5xx_envelope(simulator):
    api = simulator.api()
    simulator.set_faults(fail_rate=1.0)

    responses = [api.get("/filespaces") for _ in range(10)]
    responses.append(api.post("/domains", json={"name": "whatever"}))

    for response in responses:
        assert response.status_code in (500, 502, 503)
        assert response.json() == {
            "status": response.status_code,
            "message": "Service temporarily unavailable (simulated)",
        }
        assert response.headers["x-trace-id"]
    assert len({r.headers["x-trace-id"] for r in responses}) == len(responses)


def test_fail_rate_applies_to_the_token_endpoint_but_never_to_control(simulator):
    simulator.set_faults(fail_rate=1.0)

    token = requests.post(
        simulator.token_url,
        auth=(simulator.client_id, simulator.client_secret),
        data={"grant_type": "client_credentials"},
        timeout=10,
    )

    assert token.status_code >= 500
    assert token.json()["status"] == token.status_code
    assert simulator.get_faults()["fail_rate"] == 1.0  # the control API still answers


def test_failed_calls_change_nothing(simulator):
    api = simulator.api()
    simulator.set_faults(fail_rate=1.0)
    assert api.post(
        "/filespaces",
        json={
            "domain": simulator.domain_id,
            "name": "never-made",
            "storage": {"provider": "Wasabi", "region": "us-east-1"},
        },
    ).status_code in (500, 502, 503)
    simulator.set_faults(fail_rate=0.0)

    assert api.get("/filespaces").json() == []


def test_fail_rate_is_a_probability(simulator):
    api = simulator.api()
    simulator.set_faults(fail_rate=0.5)

    statuses = [api.get("/domains").status_code for _ in range(60)]

    assert 200 in statuses
    assert any(status >= 500 for status in statuses)


def test_rate_limit_answers_429_with_retry_after_in_seconds(simulator):
    api = simulator.api()
    simulator.set_faults(rate_limit_rate=1.0, retry_after=7, retry_after_style="seconds")

    response = api.get("/filespaces")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {"status": 429, "message": "Too many requests"}


def test_rate_limit_answers_429_with_retry_after_as_http_date(simulator):
    api = simulator.api()
    simulator.set_faults(rate_limit_rate=1.0, retry_after=120, retry_after_style="date")

    response = api.get("/filespaces")

    assert response.status_code == 429
    when = parsedate_to_datetime(response.headers["Retry-After"]).timestamp()
    assert response.headers["Retry-After"].endswith(" GMT")
    assert 100 <= when - time.time() <= 125


def test_latency_delays_api_calls_but_not_control_calls(simulator):
    api = simulator.api()
    simulator.set_faults(latency=0.5)

    started = time.monotonic()
    assert api.get("/domains").status_code == 200
    api_seconds = time.monotonic() - started
    started = time.monotonic()
    simulator.get_faults()
    control_seconds = time.monotonic() - started

    assert api_seconds >= 0.5
    assert control_seconds < 0.5


def test_drop_after_commit_stores_exactly_one_filespace_and_answers_nothing(simulator):
    api = simulator.api()
    simulator.set_faults(drop_after_commit_rate=1.0)
    body = {
        "domain": simulator.domain_id,
        "name": "lost-answer",
        "storage": {"provider": "Wasabi", "region": "us-east-1"},
    }

    with pytest.raises(requests.ConnectionError):
        api.post("/filespaces", json=body)

    simulator.set_faults(drop_after_commit_rate=0.0)
    found = api.get("/filespaces", params={"qualifiedName": f"lost-answer.{simulator.domain}"})
    assert len(found.json()) == 1
    assert api.post("/filespaces", json=body).status_code == 409  # the naive retry
    assert len(api.get("/filespaces").json()) == 1
    assert simulator.request_counts()["createFilespace"] == 2


def test_drop_after_commit_applies_only_to_creating_filespaces(simulator):
    api = simulator.api()
    simulator.set_faults(drop_after_commit_rate=1.0)

    assert api.get("/filespaces").status_code == 200
    assert api.get("/domains").status_code == 200


def test_faults_are_changeable_and_reset_returns_them_to_start_values(simulator):
    start = simulator.get_faults()
    changed = simulator.set_faults(
        fail_rate=0.25,
        rate_limit_rate=0.1,
        retry_after_style="date",
        retry_after=9,
        latency=0.01,
        drop_after_commit_rate=0.5,
        provisioning_delay=30,
        disabled_regions="us-east-1, eu-de",
        error_pattern="^broken",
        token_lifetime=10,
    )
    assert changed["disabled_regions"] == ["us-east-1", "eu-de"]
    assert changed["fail_rate"] == 0.25

    simulator.reset()

    assert simulator.get_faults() == start


@pytest.mark.parametrize(
    "knobs",
    [
        {"fail_rate": 2},
        {"rate_limit_rate": -0.1},
        {"retry_after_style": "minutes"},
        {"retry_after": 1.5},
        {"latency": "slow"},
        {"error_pattern": "("},
        {"token_lifetime": 0},
        {"disabled_regions": 5},
        {"no_such_knob": 1},
    ],
)
def test_invalid_fault_knobs_are_refused(simulator, knobs):
    response = requests.put(f"{simulator.base_url}/_sim/faults", json=knobs, timeout=10)

    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_provisioning_delay_and_error_pattern_apply_to_new_filespaces(simulator):
    early = simulator.create_filespace("made-early")
    simulator.set_faults(provisioning_delay=100, error_pattern="^broken-")
    late = simulator.create_filespace("made-late")
    broken = simulator.create_filespace("broken-one")
    not_failing = simulator.create_filespace("fail-no-more")
    api = simulator.api()

    simulator.advance_clock(5)
    assert api.get(f"/filespaces/{early['id']}").json()["status"] == "provisioned"
    assert api.get(f"/filespaces/{late['id']}").json()["status"] == "provisioning"
    simulator.advance_clock(100)
    assert api.get(f"/filespaces/{broken['id']}").json()["status"] == "error"
    assert api.get(f"/filespaces/{not_failing['id']}").json()["status"] == "provisioned"


def test_faults_given_at_start_apply_from_the_first_call(tmp_path):
    process = SimulatorProcess(tmp_path, fail_rate=1.0, retry_after=3, disabled_regions="eu-west-1")
    process.start()
    try:
        faults = requests.get(f"{process.base_url}/_sim/faults", timeout=10).json()
        assert faults["fail_rate"] == 1.0
        assert faults["retry_after"] == 3
        assert faults["disabled_regions"] == ["eu-west-1"]
        response = requests.get(f"{process.api_url}/domains", timeout=10)
        assert response.status_code >= 500
        validate_requests_response(response)
    finally:
        process.stop()
