"""Each operation's request (method, path, query, body) and the typed data it returns."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from responses import matchers

from provisioning.lucidlink import (
    BillingPeriod,
    Card,
    Domain,
    Filespace,
    Invoice,
    LucidLinkClient,
    NotFound,
    PaymentDetails,
    Stats,
    Storage,
    UnexpectedResponse,
)
from tests.provisioning.lucidlink.recorded_api import API_URL, api_calls, make_config

FILESPACE = {
    "id": "fs-1",
    "domain": "dom-1",
    "name": "projects",
    "version": 3,
    "status": "provisioned",
    "subscriptionType": "teams",
    "usersCount": 4,
    "storage": {"owner": "lucidlink", "provider": "IBM", "region": "us-east"},
    "stats": {
        "usedStorage": 1099511627776,
        "filespaceSize": 1000,
        "getRequestCount": 10,
        "getDataSize": 20,
        "putRequestCount": 30,
        "putDataSize": 40,
        "listRequestCount": 50,
        "deleteRequestCount": 60,
    },
}

LINE_ITEM = {
    "filespace": "fs-1",
    "amountDue": 1234.5,
    "isDeleted": False,
    "name": "projects",
    "storageProvider": "IBM",
    "storageOwner": "lucidlink",
    "subscriptionType": "teams",
    "usageByDimension": [
        {"usage": 0.1, "dimension": "ManagedCapacity"},
        {"usage": 4, "dimension": "FilespaceUsers"},
    ],
}


def _json_body(call):
    return json.loads(call.request.body)


def _only_call(mocked):
    (call,) = api_calls(mocked)
    return call


# --- Domains -------------------------------------------------------------------------------


def test_list_domains(lucidlink, mocked):
    mocked.get(f"{API_URL}/domains", json=[{"id": "dom-1", "name": "portal"}])

    assert lucidlink.list_domains() == [Domain(id="dom-1", name="portal")]
    assert _only_call(mocked).request.headers["Accept"] == "application/json"


def test_get_domain_quotes_the_id_into_the_path(lucidlink, mocked):
    mocked.get(f"{API_URL}/domains/dom%2F1", json={"id": "dom/1", "name": "portal"})

    assert lucidlink.get_domain("dom/1") == Domain(id="dom/1", name="portal")


def test_find_domain_by_name(lucidlink, mocked):
    mocked.get(
        f"{API_URL}/domains",
        json=[{"id": "dom-1", "name": "other"}, {"id": "dom-2", "name": "portal"}],
    )

    assert lucidlink.find_domain("portal") == Domain(id="dom-2", name="portal")
    assert lucidlink.find_domain("absent") is None


def test_create_domain_posts_the_name(lucidlink, mocked):
    mocked.post(
        f"{API_URL}/domains",
        status=201,
        json={"id": "dom-1", "name": "portal"},
        match=[matchers.json_params_matcher({"name": "portal"})],
    )

    assert lucidlink.create_domain(name="portal") == Domain(id="dom-1", name="portal")
    assert _only_call(mocked).request.headers["Content-Type"] == "application/json"


def test_update_domain_puts_the_new_name(lucidlink, mocked):
    mocked.put(
        f"{API_URL}/domains/dom-1",
        json={"id": "dom-1", "name": "renamed"},
        match=[matchers.json_params_matcher({"name": "renamed"})],
    )

    assert lucidlink.update_domain("dom-1", name="renamed") == Domain(id="dom-1", name="renamed")


def test_delete_domain(lucidlink, mocked):
    mocked.delete(f"{API_URL}/domains/dom-1", status=204)

    assert lucidlink.delete_domain("dom-1") is None
    assert _only_call(mocked).request.body is None


# --- Filespaces ----------------------------------------------------------------------------


def test_list_filespaces_returns_typed_filespaces_with_stats(lucidlink, mocked):
    mocked.get(f"{API_URL}/filespaces", json=[FILESPACE])

    (filespace,) = lucidlink.list_filespaces()

    assert filespace == Filespace(
        id="fs-1",
        domain="dom-1",
        name="projects",
        status="provisioned",
        subscription_type="teams",
        users_count=4,
        storage=Storage(provider="IBM", owner="lucidlink", region="us-east"),
        stats=Stats(
            used_storage=1099511627776,
            filespace_size=1000,
            get_request_count=10,
            get_data_size=20,
            put_request_count=30,
            put_data_size=40,
            list_request_count=50,
            delete_request_count=60,
        ),
        version=3,
    )
    assert type(filespace.stats.used_storage) is int
    assert _only_call(mocked).request.params == {}


def test_filespace_without_stats_or_optional_fields(lucidlink, mocked):
    bare = {
        "id": "fs-2",
        "domain": "dom-1",
        "name": "new",
        "status": "provisioning",
        "storage": {"provider": "Wasabi"},
    }
    mocked.get(f"{API_URL}/filespaces/fs-2", json=bare)

    filespace = lucidlink.get_filespace("fs-2")

    assert filespace.stats is None
    assert filespace.users_count == 0
    assert filespace.version is None
    assert filespace.subscription_type is None


def test_missing_stats_counters_read_as_zero(lucidlink, mocked):
    mocked.get(f"{API_URL}/filespaces/fs-1", json=dict(FILESPACE, stats={"filespaceSize": 5}))

    assert lucidlink.get_filespace("fs-1").stats == Stats(filespace_size=5)


def test_find_filespace_queries_by_qualified_name(lucidlink, mocked):
    mocked.get(
        f"{API_URL}/filespaces",
        json=[FILESPACE],
        match=[matchers.query_param_matcher({"qualifiedName": "projects.portal"})],
    )

    assert lucidlink.find_filespace("projects.portal").id == "fs-1"


def test_find_filespace_answers_none_when_nothing_matches(lucidlink, mocked):
    mocked.get(f"{API_URL}/filespaces", json=[])

    assert lucidlink.find_filespace("projects.portal") is None


def test_find_filespace_ignores_other_filespaces_if_the_query_was_ignored(lucidlink, mocked):
    other = dict(FILESPACE, id="fs-9", name="archive")
    mocked.get(f"{API_URL}/filespaces", json=[other, FILESPACE])

    assert lucidlink.find_filespace("projects.portal").id == "fs-1"
    assert lucidlink.find_filespace("missing.portal") is None


def test_find_filespace_refuses_to_guess_between_two_matches(lucidlink, mocked):
    mocked.get(f"{API_URL}/filespaces", json=[FILESPACE, dict(FILESPACE, id="fs-2")])

    with pytest.raises(UnexpectedResponse):
        lucidlink.find_filespace("projects.portal")


def test_get_filespace(lucidlink, mocked):
    mocked.get(f"{API_URL}/filespaces/fs-1", json=FILESPACE)

    assert lucidlink.get_filespace("fs-1").name == "projects"


def test_create_filespace_posts_domain_name_and_storage_leaving_out_unset_fields(lucidlink, mocked):
    mocked.post(f"{API_URL}/filespaces", status=201, json=dict(FILESPACE, status="provisioning"))

    created = lucidlink.create_filespace(
        domain_id="dom-1", name="projects", storage=Storage(provider="Wasabi", owner="lucidlink")
    )

    assert created.status == "provisioning"
    assert _json_body(_only_call(mocked)) == {
        "domain": "dom-1",
        "name": "projects",
        "storage": {"provider": "Wasabi", "owner": "lucidlink"},
    }


def test_create_filespace_with_every_option(lucidlink, mocked):
    mocked.post(f"{API_URL}/filespaces", status=201, json=FILESPACE)
    storage = Storage(
        provider="Other",
        owner="customer",
        region="eu-1",
        endpoint="s3.example.test:443",
        bucket="my-bucket",
    )

    lucidlink.create_filespace(
        domain_id="dom-1",
        name="projects",
        storage=storage,
        subscription_type="custom",
        version=4,
    )

    assert _json_body(_only_call(mocked)) == {
        "domain": "dom-1",
        "name": "projects",
        "storage": {
            "provider": "Other",
            "owner": "customer",
            "region": "eu-1",
            "endpoint": "s3.example.test:443",
            "bucket": "my-bucket",
        },
        "subscriptionType": "custom",
        "version": 4,
    }


def test_delete_filespace(lucidlink, mocked):
    mocked.delete(f"{API_URL}/filespaces/fs-1", status=204)

    assert lucidlink.delete_filespace("fs-1") is None
    assert _only_call(mocked).request.method == "DELETE"


# --- Billing -------------------------------------------------------------------------------


def test_get_payment_details(lucidlink, mocked):
    mocked.get(
        f"{API_URL}/billing/payment",
        json={
            "description": "Company card",
            "paymentSourceToken": "src_123",
            "card": {"numberLast4": "4242", "expiryMonth": 12, "expiryYear": 2030},
        },
    )

    details = lucidlink.get_payment_details()

    assert details == PaymentDetails(
        description="Company card",
        payment_source_token="src_123",
        card=Card(number_last4="4242", expiry_month=12, expiry_year=2030),
    )
    assert "src_123" not in repr(details)


def test_set_payment_details_patches_only_the_given_fields(lucidlink, mocked):
    mocked.patch(f"{API_URL}/billing/payment", status=200, body="")

    result = lucidlink.set_payment_details(PaymentDetails(payment_source_token="src_456"))

    assert result is None
    assert _json_body(_only_call(mocked)) == {"paymentSourceToken": "src_456"}


def test_set_payment_details_with_a_card(lucidlink, mocked):
    mocked.patch(f"{API_URL}/billing/payment", status=200)
    card = Card(number_last4="4242", expiry_month=1, expiry_year=2031)

    lucidlink.set_payment_details(PaymentDetails(description="Ops", card=card))

    assert _json_body(_only_call(mocked)) == {
        "description": "Ops",
        "card": {"numberLast4": "4242", "expiryMonth": 1, "expiryYear": 2031},
    }


def test_get_current_period_reads_epoch_ms_and_money_as_decimal(lucidlink, mocked):
    mocked.get(
        f"{API_URL}/billing/current-period",
        body=json.dumps(
            {
                "start": 1740787200000,
                "end": 1743465600000,
                "subscriptionStatus": "active",
                "amountDue": 12345.67,
                "amountDueForecast": 20000,
                "currency": "USD",
                "trialDays": 0,
                "filespaceBreakdown": [dict(LINE_ITEM, amountDueForecast=2000.1)],
            }
        ),
        content_type="application/json",
    )

    period = lucidlink.get_current_period()

    assert isinstance(period, BillingPeriod)
    assert period.start == datetime(2025, 3, 1, tzinfo=UTC)
    assert period.end == datetime(2025, 4, 1, tzinfo=UTC)
    assert period.amount_due == Decimal("12345.67")
    assert period.amount_due_forecast == Decimal(20000)
    assert period.trial_days == 0
    (item,) = period.filespace_breakdown
    assert item.amount_due == Decimal("1234.5")
    assert item.amount_due_forecast == Decimal("2000.1")
    assert [usage.usage for usage in item.usage_by_dimension] == [Decimal("0.1"), Decimal(4)]
    assert all(
        isinstance(value, Decimal)
        for value in (period.amount_due, item.amount_due, item.usage_by_dimension[0].usage)
    )


def test_current_period_without_breakdown_or_trial(lucidlink, mocked):
    mocked.get(
        f"{API_URL}/billing/current-period",
        json={
            "start": 0,
            "end": 1000,
            "subscriptionStatus": "trialing",
            "amountDue": 0,
            "amountDueForecast": 0,
            "currency": "USD",
        },
    )

    period = lucidlink.get_current_period()

    assert period.filespace_breakdown == []
    assert period.trial_days is None
    assert period.end == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_list_invoices(lucidlink, mocked):
    mocked.get(
        f"{API_URL}/billing/invoices",
        json=[
            {
                "id": "inv-1",
                "date": 1743465600000,
                "lineDescriptions": ["Managed capacity", "Users"],
                "amountDue": 9999.99,
                "currency": "USD",
                "periodStart": 1740787200000,
                "periodEnd": 1743465600000,
                "paymentStatus": "paid",
                "pdfUrl": "https://invoices.test/inv-1.pdf",
                "filespaceBreakdown": [LINE_ITEM],
            }
        ],
    )

    (invoice,) = lucidlink.list_invoices()

    assert isinstance(invoice, Invoice)
    assert invoice.amount_due == Decimal("9999.99")
    assert invoice.date == datetime(2025, 4, 1, tzinfo=UTC)
    assert invoice.period_start == datetime(2025, 3, 1, tzinfo=UTC)
    assert invoice.line_descriptions == ["Managed capacity", "Users"]
    assert invoice.filespace_breakdown[0].amount_due_forecast is None
    assert invoice.payment_status == "paid"


def test_invoice_breakdown_csv_is_text_read_as_utf8(lucidlink, mocked):
    csv_text = "filespace,name,amountDue\nfs-1,prøjects,1234\n"
    mocked.get(
        f"{API_URL}/billing/invoices/inv-1/breakdown/csv",
        body=csv_text.encode(),
        content_type="text/csv",
    )

    assert lucidlink.get_invoice_breakdown_csv("inv-1") == csv_text
    assert _only_call(mocked).request.headers["Accept"] == "text/csv"


# --- Logging and hooks ---------------------------------------------------------------------


def test_one_log_line_per_call_with_method_path_status_latency_and_trace(lucidlink, mocked, caplog):
    mocked.get(f"{API_URL}/filespaces", json=[], headers={"x-trace-id": "tr-42"})
    caplog.set_level("INFO", logger="provisioning.lucidlink")

    lucidlink.find_filespace("projects.portal")

    records = [r for r in caplog.records if r.name == "provisioning.lucidlink"]
    assert len(records) == 2  # the token fetch, then the call
    line = records[-1]
    assert line.lucidlink_method == "GET"
    assert line.lucidlink_path == "/filespaces"
    assert line.lucidlink_status == 200
    assert line.lucidlink_trace_id == "tr-42"
    assert isinstance(line.lucidlink_ms, int)
    assert line.getMessage().startswith("lucidlink GET /filespaces -> 200 in ")
    assert line.getMessage().endswith("trace_id=tr-42")


def test_response_hook_sees_every_raw_api_response(config, token_cache, token_endpoint, mocked):
    mocked.get(f"{API_URL}/domains", json=[])
    mocked.get(f"{API_URL}/domains/x", status=404, json={"status": 404, "message": "nope"})
    seen = []
    lucidlink = LucidLinkClient(config, token_cache=token_cache, response_hook=seen.append)

    lucidlink.list_domains()
    with pytest.raises(NotFound):
        lucidlink.get_domain("x")

    assert [(r.request.method, r.request.path_url, r.status_code) for r in seen] == [
        ("GET", "/api/v1/domains", 200),
        ("GET", "/api/v1/domains/x", 404),
    ]


def test_api_url_with_trailing_slash_still_builds_clean_paths(token_cache, token_endpoint, mocked):
    mocked.get(f"{API_URL}/domains", json=[])

    LucidLinkClient(make_config(api_url=API_URL + "/"), token_cache=token_cache).list_domains()

    assert _only_call(mocked).request.url == f"{API_URL}/domains"
