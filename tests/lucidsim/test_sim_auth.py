"""The simulator's OAuth2 token endpoint and the API's token checks."""

import requests

from tests.fixtures.contract import validate_requests_response

ILLEGAL = {"status": 401, "message": "Illegal request"}


def fetch_token(simulator, **kwargs):
    kwargs.setdefault("auth", (simulator.client_id, simulator.client_secret))
    kwargs.setdefault("data", {"grant_type": "client_credentials"})
    return requests.post(simulator.token_url, timeout=10, **kwargs)


def test_token_endpoint_issues_bearer_token_for_basic_client_credentials(simulator):
    response = fetch_token(simulator)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-trace-id"]
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) >= 32


def test_token_endpoint_rejects_wrong_secret_and_unknown_client(simulator):
    for auth in ((simulator.client_id, "wrong"), ("someone-else", simulator.client_secret)):
        response = fetch_token(simulator, auth=auth)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert "access_token" not in response.json()


def test_token_endpoint_rejects_missing_basic_auth_and_credentials_in_body(simulator):
    response = fetch_token(
        simulator,
        auth=None,
        data={
            "grant_type": "client_credentials",
            "client_id": simulator.client_id,
            "client_secret": simulator.client_secret,
        },
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_token_endpoint_rejects_other_grants_and_json_bodies(simulator):
    wrong_grant = fetch_token(simulator, data={"grant_type": "password"})
    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "unsupported_grant_type"

    json_body = fetch_token(simulator, data=None, json={"grant_type": "client_credentials"})
    assert json_body.status_code == 400
    assert json_body.json()["error"] == "invalid_request"


def test_token_endpoint_only_accepts_post(simulator):
    response = requests.get(simulator.token_url, timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_api_without_token_answers_illegal_request(simulator):
    response = requests.get(f"{simulator.api_url}/filespaces", timeout=10)

    assert response.status_code == 401
    assert response.json() == ILLEGAL
    validate_requests_response(response)


def test_api_with_unknown_token_answers_illegal_request(simulator):
    for header in ("Bearer not-a-token", "not-a-token", "Basic abc", "Bearer "):
        response = requests.get(
            f"{simulator.api_url}/domains", headers={"Authorization": header}, timeout=10
        )
        assert response.status_code == 401, header
        assert response.json() == ILLEGAL
        validate_requests_response(response)


def test_api_accepts_bearer_and_bare_token_on_both_base_paths(simulator):
    token = simulator.token()
    for prefix in ("/api/v1", "/v1"):
        for bearer in (True, False):
            api = simulator.api(prefix=prefix, bearer=bearer, token=token)
            response = api.get("/domains")
            assert response.status_code == 200, (prefix, bearer)
            assert response.json()[0]["name"] == simulator.domain


def test_expired_tokens_answer_401_and_a_new_token_works(simulator):
    api = simulator.api()
    assert api.get("/filespaces").status_code == 200

    assert simulator.expire_tokens() >= 1

    assert api.get("/filespaces").json() == ILLEGAL
    assert simulator.api().get("/filespaces").status_code == 200


def test_token_lifetime_is_a_runtime_knob_and_follows_the_simulated_clock(simulator):
    simulator.set_faults(token_lifetime=60)
    response = fetch_token(simulator)
    assert response.json()["expires_in"] == 60
    api = simulator.api(token=response.json()["access_token"])

    simulator.advance_clock(59)
    assert api.get("/domains").status_code == 200
    simulator.advance_clock(2)
    assert api.get("/domains").status_code == 401


def test_tokens_survive_a_restart(simulator):
    api = simulator.api()
    assert api.get("/domains").status_code == 200

    simulator.restart()

    assert api.get("/domains").status_code == 200


def test_reset_keeps_tokens_unless_asked_to_drop_them(simulator):
    api = simulator.api()
    simulator.reset()
    assert api.get("/domains").status_code == 200

    simulator.reset(tokens=True)
    assert api.get("/domains").status_code == 401
