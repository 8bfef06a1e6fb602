"""Domain operations: one domain per account, name rules, 409 while it has filespaces."""

import uuid

import pytest


def test_get_domains_lists_the_one_domain_created_at_start(simulator):
    response = simulator.api().get("/domains")

    assert response.status_code == 200
    assert response.json() == [{"id": simulator.domain_id, "name": simulator.domain}]


def test_get_domain_by_id(simulator):
    response = simulator.api().get(f"/domains/{simulator.domain_id}")

    assert response.status_code == 200
    assert response.json() == {"id": simulator.domain_id, "name": simulator.domain}


def test_get_domain_with_malformed_id_is_400_and_unknown_id_is_404(simulator):
    api = simulator.api()
    assert api.get("/domains/not-an-id").status_code == 400
    missing = api.get(f"/domains/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404


def test_second_domain_is_refused_with_409(simulator):
    response = simulator.api().post("/domains", json={"name": "another-domain"})

    assert response.status_code == 409
    assert "already has a domain" in response.json()["message"]


def test_domain_can_be_deleted_and_created_again_when_it_has_no_filespaces(simulator):
    api = simulator.api()
    assert api.delete(f"/domains/{simulator.domain_id}").status_code == 204
    assert api.get("/domains").json() == []
    assert api.get(f"/domains/{simulator.domain_id}").status_code == 404

    created = api.post("/domains", json={"name": "fresh-domain"})

    assert created.status_code == 201
    assert created.json()["name"] == "fresh-domain"
    assert api.get("/domains").json() == [created.json()]


@pytest.mark.parametrize(
    "name",
    ["ab", "a" * 61, "Upper-case", "under_score", "dots.not.allowed", "", 42, None],
)
def test_create_domain_rejects_invalid_names(simulator, name):
    api = simulator.api()
    api.delete(f"/domains/{simulator.domain_id}")

    response = api.post("/domains", json={"name": name})

    assert response.status_code == 400
    assert "name" in response.json()["message"]


def test_create_domain_accepts_names_at_the_length_limits(simulator):
    api = simulator.api()
    api.delete(f"/domains/{simulator.domain_id}")
    assert api.post("/domains", json={"name": "a" * 60}).status_code == 201
    api.delete(f"/domains/{api.get('/domains').json()[0]['id']}")
    assert api.post("/domains", json={"name": "ab1"}).status_code == 201


def test_create_domain_with_a_name_another_account_holds_is_409(simulator):
    api = simulator.api()
    api.delete(f"/domains/{simulator.domain_id}")

    response = api.post("/domains", json={"name": "taken"})

    assert response.status_code == 409
    assert "taken" in response.json()["message"]


def test_create_domain_rejects_bodies_that_are_not_json_objects(simulator):
    api = simulator.api()
    api.delete(f"/domains/{simulator.domain_id}")
    assert (
        api.post(
            "/domains", data=b"{not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert api.post("/domains", json=["a-list"]).status_code == 400
    assert api.post("/domains", data={"name": "form-post"}).status_code == 400
    assert api.post("/domains").status_code == 400


def test_update_domain_renames_it(simulator):
    api = simulator.api()

    response = api.put(f"/domains/{simulator.domain_id}", json={"name": "renamed-domain"})

    assert response.status_code == 200
    assert response.json() == {"id": simulator.domain_id, "name": "renamed-domain"}
    assert api.get("/domains").json()[0]["name"] == "renamed-domain"


def test_update_domain_rejects_invalid_name_and_unknown_id(simulator):
    api = simulator.api()
    assert api.put(f"/domains/{simulator.domain_id}", json={"name": "X"}).status_code == 400
    assert api.put(f"/domains/{uuid.uuid4()}", json={"name": "valid-name"}).status_code == 404
    assert api.put("/domains/bad-id", json={"name": "valid-name"}).status_code == 400


def test_domain_with_filespaces_cannot_be_renamed_or_deleted(simulator):
    simulator.create_filespace("keeps-domain")
    api = simulator.api()

    renamed = api.put(f"/domains/{simulator.domain_id}", json={"name": "other-name"})
    deleted = api.delete(f"/domains/{simulator.domain_id}")

    assert renamed.status_code == 409
    assert deleted.status_code == 409
    assert deleted.json()["message"] == "The domain has filespaces"


def test_delete_domain_unknown_and_malformed_ids(simulator):
    api = simulator.api()
    assert api.delete(f"/domains/{uuid.uuid4()}").status_code == 404
    assert api.delete("/domains/nope").status_code == 400


def test_reset_renames_a_renamed_domain_back_keeping_its_id(simulator):
    api = simulator.api()
    domain_id = simulator.domain_id
    api.put(f"/domains/{domain_id}", json={"name": "renamed-domain"})

    simulator.reset()

    assert simulator.domain_id == domain_id
    assert api.get("/domains").json() == [{"id": domain_id, "name": simulator.domain}]


def test_reset_recreates_a_deleted_domain(simulator):
    api = simulator.api()
    old_id = simulator.domain_id
    api.delete(f"/domains/{old_id}")

    simulator.reset()

    assert simulator.domain_id != old_id
    assert api.get("/domains").json() == [{"id": simulator.domain_id, "name": simulator.domain}]
