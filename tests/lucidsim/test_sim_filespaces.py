"""Filespace operations: rules, defaults, lifecycle, lookup by qualified name, deletion."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

WASABI = {"provider": "Wasabi", "region": "us-east-1"}


def body(simulator, name, storage=None, **fields):
    return {"domain": simulator.domain_id, "name": name, "storage": storage or WASABI, **fields}


def test_create_answers_201_provisioning_with_defaults_and_zero_stats(simulator):
    response = simulator.api().post("/filespaces", json=body(simulator, "projects"))

    assert response.status_code == 201
    fs = response.json()
    uuid.UUID(fs["id"])
    assert fs["domain"] == simulator.domain_id
    assert fs["name"] == "projects"
    assert fs["status"] == "provisioning"
    assert fs["version"] == 3
    assert fs["subscriptionType"] == "basic"
    assert fs["usersCount"] == 0
    assert fs["storage"]["owner"] == "lucidlink"
    assert fs["storage"]["region"] == "us-east-1"
    assert fs["storage"]["bucket"].startswith("lucid-projects-")
    assert set(fs["stats"].values()) == {0}


def test_filespace_is_provisioned_once_the_delay_has_passed(simulator):
    fs = simulator.create_filespace("becomes-ready")
    api = simulator.api()
    assert api.get(f"/filespaces/{fs['id']}").json()["status"] == "provisioning"

    simulator.advance_clock(1.5)  # the fixture's provisioning delay is 1 s

    ready = api.get(f"/filespaces/{fs['id']}").json()
    assert ready["status"] == "provisioned"
    assert ready["usersCount"] >= 1


def test_names_matching_the_error_pattern_end_in_error(simulator):
    fs = simulator.create_filespace("fail-on-purpose")
    assert fs["status"] == "provisioning"

    simulator.advance_clock(2)

    failed = simulator.api().get(f"/filespaces/{fs['id']}").json()
    assert failed["status"] == "error"
    assert set(failed["stats"].values()) == {0}


@pytest.mark.parametrize(
    ("storage", "subscription", "expected"),
    [
        ({"provider": "Wasabi", "region": "eu-central-1"}, None, "basic"),
        ({"provider": "IBM", "region": "us-south"}, None, "teams"),
        ({"provider": "IBM", "region": "eu-de"}, "enterprise", "enterprise"),
        ({"provider": "AWS", "region": "eu-west-1"}, None, "custom"),
        ({"provider": "Wasabi", "region": "us-west-1", "owner": "customer"}, None, "custom"),
        (
            {"provider": "Zadara", "region": "r1", "endpoint": "s3.zadara.example:443"},
            None,
            "custom",
        ),
        (
            {"provider": "Cloudian", "region": "r1", "endpoint": "s3.cloudian.example"},
            "custom",
            "custom",
        ),
        ({"provider": "Other", "region": "r1", "endpoint": "minio.example:9000"}, None, "custom"),
    ],
)
def test_subscription_type_defaults_and_accepted_combinations(
    simulator, storage, subscription, expected
):
    fields = {"subscriptionType": subscription} if subscription else {}
    response = simulator.api().post("/filespaces", json=body(simulator, "combo", storage, **fields))

    assert response.status_code == 201, response.text
    assert response.json()["subscriptionType"] == expected
    assert response.json()["storage"]["provider"] == storage["provider"]


def test_version_4_and_a_custom_bucket_are_kept(simulator):
    storage = {"provider": "AWS", "region": "us-east-1", "bucket": "my.bucket-01"}
    response = simulator.api().post(
        "/filespaces", json=body(simulator, "streaming", storage, version=4)
    )

    assert response.status_code == 201
    assert response.json()["version"] == 4
    assert response.json()["storage"]["bucket"] == "my.bucket-01"
    assert response.json()["storage"]["owner"] == "customer"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "a"}, "Invalid filespace name"),
        ({"name": "Projects"}, "Invalid filespace name"),
        ({"name": "with_underscore"}, "Invalid filespace name"),
        ({"name": None}, "name is required"),
        ({"domain": None}, "domain is required"),
        ({"domain": str(uuid.uuid4())}, "Unknown domain"),
        ({"storage": None}, "storage is required"),
        ({"storage": {"region": "us-east-1"}}, "storage.provider is required"),
        ({"storage": {"provider": "Dropbox", "region": "x"}}, "storage.provider must be"),
        ({"storage": {"provider": "Wasabi"}}, "storage.region is required"),
        ({"storage": {"provider": "Wasabi", "region": " "}}, "non-empty"),
        ({"storage": {"provider": "Wasabi", "region": "mars-1"}}, "Unknown Wasabi region"),
        ({"storage": {"provider": "IBM", "region": "us-east-1"}}, "Unknown IBM region"),
        ({"storage": {"provider": "AWS", "region": "x", "owner": "lucidlink"}}, "LucidLink-owned"),
        ({"storage": {"provider": "AWS", "region": "x", "owner": "me"}}, "storage.owner"),
        (
            {"storage": {"provider": "AWS", "region": "x", "endpoint": "s3.example"}},
            "storage.endpoint is accepted only",
        ),
        ({"storage": {"provider": "AWS", "region": "x", "bucket": "ab"}}, "Invalid bucket"),
        ({"storage": {"provider": "AWS", "region": "x", "bucket": "Caps"}}, "Invalid bucket"),
        ({"storage": {"provider": "AWS", "region": "x", "bucket": "-dash"}}, "Invalid bucket"),
        ({"version": 5}, "version must be 3"),
        ({"subscriptionType": "teams"}, "does not fit"),
        ({"subscriptionType": "none"}, "does not fit"),
        ({"subscriptionType": "gold"}, "subscriptionType must be"),
        (
            {"storage": {"provider": "AWS", "region": "x"}, "subscriptionType": "basic"},
            "does not fit",
        ),
    ],
)
def test_create_rejects_rule_breaking_bodies_with_a_clear_400(simulator, fields, message):
    data = body(simulator, "rules-check")
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}

    response = simulator.api().post("/filespaces", json=data)

    assert response.status_code == 400
    assert message in response.json()["message"]


def test_create_rejects_bodies_that_are_not_json_objects(simulator):
    api = simulator.api()
    assert api.post("/filespaces", json=[1]).status_code == 400
    assert (
        api.post(
            "/filespaces", data=b"nope", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )


def test_duplicate_name_in_the_domain_is_409(simulator):
    simulator.create_filespace("shared-name")

    response = simulator.api().post("/filespaces", json=body(simulator, "shared-name"))

    assert response.status_code == 409
    assert "shared-name" in response.json()["message"]


def test_creation_in_a_disabled_region_is_422(simulator):
    simulator.set_faults(disabled_regions=["eu-central-1", "IBM:eu-de"])
    api = simulator.api()

    wasabi = api.post(
        "/filespaces",
        json=body(simulator, "eu-wasabi", {"provider": "Wasabi", "region": "eu-central-1"}),
    )
    ibm = api.post(
        "/filespaces", json=body(simulator, "eu-ibm", {"provider": "IBM", "region": "eu-de"})
    )
    other = api.post(
        "/filespaces", json=body(simulator, "eu-aws", {"provider": "AWS", "region": "eu-de"})
    )

    assert wasabi.status_code == 422
    assert "eu-central-1" in wasabi.json()["message"]
    assert ibm.status_code == 422
    assert other.status_code == 201


def test_list_returns_every_live_filespace_with_status_and_stats(simulator):
    a = simulator.create_filespace("alpha")
    b = simulator.create_filespace("beta")

    listed = simulator.api().get("/filespaces").json()

    assert [fs["id"] for fs in listed] == [a["id"], b["id"]]
    assert all("stats" in fs and "status" in fs for fs in listed)


def test_list_filters_by_qualified_name(simulator):
    wanted = simulator.create_filespace("wanted")
    simulator.create_filespace("other")
    api = simulator.api()

    hit = api.get("/filespaces", params={"qualifiedName": f"wanted.{simulator.domain}"})
    miss = api.get("/filespaces", params={"qualifiedName": "wanted.some-other-domain"})
    bare = api.get("/filespaces", params={"qualifiedName": "wanted"})

    assert [fs["id"] for fs in hit.json()] == [wanted["id"]]
    assert miss.json() == []
    assert bare.json() == []


def test_get_filespace_by_id_on_both_base_paths(simulator):
    fs = simulator.create_filespace("by-id")
    for prefix in ("/api/v1", "/v1"):
        response = simulator.api(prefix=prefix).get(f"/filespaces/{fs['id']}")
        assert response.status_code == 200
        assert response.json()["name"] == "by-id"


def test_get_filespace_malformed_id_is_400_unknown_is_404(simulator):
    api = simulator.api()
    assert api.get("/filespaces/42").status_code == 400
    assert api.get(f"/filespaces/{uuid.uuid4()}").status_code == 404


def test_delete_is_refused_while_provisioning(simulator):
    fs = simulator.create_filespace("too-early")

    response = simulator.api().delete(f"/filespaces/{fs['id']}")

    assert response.status_code == 409
    assert "provisioning" in response.json()["message"]


def test_deleted_filespace_disappears_and_its_name_is_free_again(simulator):
    fs = simulator.create_filespace("short-lived")
    simulator.advance_clock(2)
    api = simulator.api()

    deleted = api.delete(f"/filespaces/{fs['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert api.get(f"/filespaces/{fs['id']}").status_code == 404
    assert api.delete(f"/filespaces/{fs['id']}").status_code == 404
    assert api.get("/filespaces").json() == []
    again = api.post("/filespaces", json=body(simulator, "short-lived"))
    assert again.status_code == 201
    assert again.json()["id"] != fs["id"]


def test_filespace_in_error_can_be_deleted(simulator):
    fs = simulator.create_filespace("fail-and-go")
    simulator.advance_clock(2)

    assert simulator.api().delete(f"/filespaces/{fs['id']}").status_code == 204


def test_delete_malformed_id_is_400(simulator):
    assert simulator.api().delete("/filespaces/xyz").status_code == 400


def test_concurrent_creates_of_one_name_make_exactly_one_filespace(simulator):
    token = simulator.token()
    data = body(simulator, "race")

    def create(_):
        return simulator.api(token=token).post("/filespaces", json=data).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(create, range(8)))

    assert statuses == [201] + [409] * 7
    assert len(simulator.api(token=token).get("/filespaces").json()) == 1
