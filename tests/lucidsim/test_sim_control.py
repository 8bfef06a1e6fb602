"""The control API under /_sim, request counting, routing leftovers, restarts."""

import uuid
from email.message import Message
from types import SimpleNamespace

import pytest
import requests

from lucidsim.app import ApiError, Request
from lucidsim.server import Handler
from tests.fixtures.contract import validate_requests_response


def control(simulator, method, path, **kwargs):
    return requests.request(method, f"{simulator.base_url}/_sim{path}", timeout=10, **kwargs)


def test_request_counts_are_kept_per_operation_id_and_can_be_reset(simulator):
    api = simulator.api()  # one token call
    api.get("/filespaces")
    api.get("/filespaces")
    api.get("/domains")
    fs = simulator.create_filespace("counted")  # a token call and a createFilespace
    api.get(f"/filespaces/{fs['id']}")
    api.get("/billing/current-period")

    assert simulator.request_counts() == {
        "token": 2,
        "getFilespaces": 2,
        "getDomains": 1,
        "createFilespace": 1,
        "getFilespace": 1,
        "getCurrentPeriod": 1,
    }

    simulator.reset_request_counts()
    assert simulator.request_counts() == {}


def test_requests_are_counted_even_when_refused(simulator):
    requests.get(f"{simulator.api_url}/filespaces", timeout=10)  # no token: 401
    simulator.set_faults(fail_rate=1.0)
    requests.get(f"{simulator.api_url}/filespaces", timeout=10)

    assert simulator.request_counts() == {"getFilespaces": 2}


def test_control_calls_are_not_counted(simulator):
    simulator.get_faults()
    simulator.now()
    assert simulator.request_counts() == {}


def test_set_filespace_pins_status_and_stats_over_generated_ones(simulator):
    fs = simulator.create_filespace("pinned")
    stats = {"usedStorage": 5 * 10**9, "getDataSize": 123}

    answer = simulator.set_filespace(fs["id"], status="initialized", stats=stats)

    shown = simulator.api().get(f"/filespaces/{fs['id']}").json()
    assert answer["status"] == shown["status"] == "initialized"
    assert shown["stats"]["usedStorage"] == 5 * 10**9
    assert shown["stats"]["getDataSize"] == 123
    simulator.advance_clock(3600)
    later = simulator.api().get(f"/filespaces/{fs['id']}").json()
    assert later["stats"]["usedStorage"] == 5 * 10**9
    assert later["stats"]["putDataSize"] > 0  # the others are still generated


def test_set_filespace_users_count_and_unpinning(simulator):
    fs = simulator.create_filespace("users-pinned")
    simulator.set_filespace(fs["id"], status="provisioned", stats={"usersCount": 12})
    api = simulator.api()
    assert api.get(f"/filespaces/{fs['id']}").json()["usersCount"] == 12
    simulator.set_filespace(fs["id"], users_count=3)
    assert api.get(f"/filespaces/{fs['id']}").json()["usersCount"] == 3

    unpinned = control(
        simulator,
        "POST",
        f"/filespaces/{fs['id']}",
        json={"status": None, "stats": None, "usersCount": None},
    )

    assert unpinned.status_code == 200
    assert unpinned.json()["status"] == "provisioned"  # provisioned since it was pinned
    bookkeeping = control(simulator, "GET", "/filespaces").json()[0]["_sim"]
    assert bookkeeping["explicitStatus"] is None
    assert bookkeeping["statsOverride"] == {}
    assert bookkeeping["usersOverride"] is None


def test_set_filespace_status_error_and_back_to_the_natural_course(simulator):
    fs = simulator.create_filespace("flaky")
    api = simulator.api()
    simulator.set_filespace(fs["id"], status="error")
    assert api.get(f"/filespaces/{fs['id']}").json()["status"] == "error"

    control(simulator, "POST", f"/filespaces/{fs['id']}", json={"status": None})

    assert api.get(f"/filespaces/{fs['id']}").json()["status"] == "provisioning"


def test_set_filespace_refuses_bad_input(simulator):
    fs = simulator.create_filespace("guarded")
    path = f"/filespaces/{fs['id']}"

    assert control(simulator, "POST", path, json={"status": "gone"}).status_code == 400
    assert control(simulator, "POST", path, json={"stats": {"bogus": 1}}).status_code == 400
    assert control(simulator, "POST", path, json={"stats": {"usedStorage": -1}}).status_code == 400
    assert control(simulator, "POST", path, json={"stats": 5}).status_code == 400
    assert control(simulator, "POST", path, json={"colour": "red"}).status_code == 400
    missing = control(simulator, "POST", f"/filespaces/{uuid.uuid4()}", json={})
    assert missing.status_code == 404


def test_reset_wipes_filespaces_counts_and_clock(simulator):
    simulator.create_filespace("to-be-wiped")
    simulator.advance_clock(86400)

    simulator.reset()

    assert simulator.api().get("/filespaces").json() == []
    assert simulator.request_counts() == {"token": 1, "getFilespaces": 1}
    clock = control(simulator, "GET", "/clock").json()
    assert clock["offset"] == 0
    assert clock["frozen"] is False


def test_clock_can_be_frozen_advanced_and_unfrozen(simulator):
    frozen_at = simulator.freeze_clock()
    assert simulator.now() == frozen_at
    assert simulator.advance_clock(90) == frozen_at + 90

    resumed = simulator.freeze_clock(False)

    assert resumed >= frozen_at + 90
    assert control(simulator, "POST", "/clock", json={"advance": -5}).status_code == 400
    assert control(simulator, "POST", "/clock", json={"frozen": "yes"}).status_code == 400


def test_control_filespace_list_includes_deleted_ones(simulator):
    fs = simulator.create_filespace("remembered")
    simulator.advance_clock(2)
    simulator.api().delete(f"/filespaces/{fs['id']}")

    listed = control(simulator, "GET", "/filespaces").json()

    assert [item["id"] for item in listed] == [fs["id"]]
    assert listed[0]["_sim"]["deletedAt"] is not None


def test_unknown_control_routes_and_methods(simulator):
    assert control(simulator, "GET", "/nothing-here").status_code == 404
    wrong_method = control(simulator, "DELETE", "/faults")
    assert wrong_method.status_code == 405
    assert set(wrong_method.headers["Allow"].split(", ")) == {"GET", "PUT"}


def test_unknown_api_path_is_404_and_wrong_method_is_405_in_the_envelope(simulator):
    headers = {"Authorization": f"Bearer {simulator.token()}"}
    missing = requests.get(f"{simulator.api_url}/volumes", headers=headers, timeout=10)
    wrong = requests.post(f"{simulator.api_url}/billing/invoices", headers=headers, timeout=10)
    outside = requests.get(f"{simulator.base_url}/elsewhere", timeout=10)

    assert missing.status_code == 404
    assert missing.json() == {"status": 404, "message": "Not found"}
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET"
    assert wrong.json() == {"status": 405, "message": "Method not allowed"}
    assert outside.status_code == 404


def test_every_response_carries_a_trace_id(simulator):
    responses = [
        control(simulator, "GET", "/health"),
        requests.get(f"{simulator.api_url}/domains", timeout=10),
        requests.post(simulator.token_url, timeout=10),
        simulator.api().get("/domains"),
    ]
    for response in responses:
        assert len(response.headers["x-trace-id"]) == 32
    validate_requests_response(responses[1])


def test_restart_keeps_filespaces_domain_clock_and_counts(simulator):
    fs = simulator.create_filespace("durable")
    simulator.set_filespace(fs["id"], stats={"usedStorage": 42})
    now = simulator.advance_clock(500)
    simulator.freeze_clock()
    counts = simulator.request_counts()

    simulator.restart()

    api = simulator.api()
    again = api.get(f"/filespaces/{fs['id']}").json()
    assert again["name"] == "durable"
    assert again["stats"]["usedStorage"] == 42
    assert api.get("/domains").json() == [{"id": simulator.domain_id, "name": simulator.domain}]
    assert simulator.now() >= now
    assert simulator.request_counts()["createFilespace"] == counts["createFilespace"]


def test_stop_and_start_keep_the_same_address(simulator):
    simulator.stop()
    try:
        requests.get(f"{simulator.base_url}/_sim/health", timeout=2)
        raise AssertionError("the simulator still answers after stop()")
    except requests.ConnectionError:
        pass

    simulator.start()

    assert control(simulator, "GET", "/health").json()["status"] == "ok"


@pytest.mark.parametrize("address", ["10.0.0.5", "192.168.1.20", "2001:db8::1"])
def test_control_api_refuses_clients_that_are_not_on_loopback(address):
    handler = Handler.__new__(Handler)  # no socket: only the routing decision is under test
    handler.client_address = (address, 50000)
    handler.server = SimpleNamespace(sim=None, control=None)
    request = Request("GET", "/_sim/faults", {}, Message(), b"", "http://sim")

    with pytest.raises(ApiError) as refused:
        handler._route(request)

    assert refused.value.status == 403
