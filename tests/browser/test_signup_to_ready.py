"""A new customer signs up, verifies the email, orders, and watches the filespace turn
ready without reloading the page: real Chromium, worker process and simulator."""

import re

import pytest
from django.core import mail

from provisioning.models import Filespace
from tests.factories import storage_option

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signup_verify_order_and_see_ready_without_reload(
    page, live_server, portal_on_simulator, celery_worker_process
):
    option = storage_option()
    base = live_server.url

    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Email").fill("New.Person@Example.com")
    page.get_by_label("Organisation name").fill("Acme Post-Production")
    page.get_by_label("Password:", exact=True).fill("a-long-and-good-passphrase")
    page.get_by_label("Password (again)").fill("a-long-and-good-passphrase")
    page.get_by_role("button", name="Sign Up").click()

    # Before verifying, ordering is explained, not allowed.
    page.goto(f"{base}/filespaces/new/")
    assert "verify your email" in page.content()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(link.replace("http://testserver", base))
    page.get_by_role("button", name="Confirm").click()

    page.goto(f"{base}/filespaces/new/")
    page.get_by_label("Name").fill("Bad_Name")
    page.get_by_role("button", name="Order").click()
    assert page.locator("#id_name_error").is_visible()
    assert not Filespace.objects.exists()

    page.get_by_label("Name").fill("acme-dailies")
    page.get_by_label("Storage").select_option(str(option.pk))
    page.get_by_role("button", name="Order").click()
    page.wait_for_url(re.compile(r"/filespaces/\d+/$"))
    page.evaluate("window.__notReloaded = true")

    page.locator('#filespace-status [data-status="ready"]').wait_for(timeout=60_000)
    assert page.evaluate("window.__notReloaded === true"), "the page reloaded"
    assert f"lucid link --fs acme-dailies.{portal_on_simulator.domain}" in page.content()

    page.goto(f"{base}/")
    assert page.locator('[data-status="ready"]').count() == 1
    assert Filespace.objects.get().customer.name == "Acme Post-Production"
