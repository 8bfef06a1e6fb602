"""Orders placed over HTTP go through a real Celery worker process and the live
simulator to ready; faults on the network never lose an order or create it twice."""

import re
import threading
import time

import pytest
import requests

from provisioning import services
from provisioning.models import Filespace
from provisioning.upstream import lucidlink_client
from tests.factories import FilespaceFactory, MembershipFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def wait_for(predicate, *, timeout=45.0, every=0.25, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def signed_in_session(live_server, email) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{live_server.url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{live_server.url}/accounts/login/",
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{live_server.url}/accounts/login/"},
    )
    assert response.ok and "Sign out" in response.text
    return session


def place_order(session, live_server, name, storage_option_id) -> requests.Response:
    url = f"{live_server.url}/filespaces/new/"
    form = session.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return session.post(
        url,
        data={"name": name, "storage_option": storage_option_id, "csrfmiddlewaretoken": token},
        headers={"Referer": url},
    )


def upstream_named(name, domain):
    return [fs for fs in lucidlink_client().list_filespaces() if fs.name == name]


def test_order_over_http_reaches_ready_through_a_worker_and_the_simulator(
    live_server, portal_on_simulator, celery_worker_process
):
    owner = MembershipFactory()
    session = signed_in_session(live_server, owner.user.email)
    option = FilespaceFactory.build().storage_option  # a catalog entry (created if flushed)

    response = place_order(session, live_server, "integration-ready", option.pk)

    assert response.ok, response.text[-500:]
    filespace = Filespace.objects.get(name="integration-ready")
    assert filespace.customer == owner.customer
    wait_for(
        lambda: Filespace.objects.get(pk=filespace.pk).status == Filespace.Status.READY,
        what=f"ready; worker log:\n{celery_worker_process.log()[-2000:]}",
    )
    filespace.refresh_from_db()
    assert filespace.upstream_id
    assert len(upstream_named("integration-ready", portal_on_simulator.domain)) == 1
    # The dashboard fragment the page polls shows it ready.
    fragment = session.get(f"{live_server.url}/", headers={"HX-Request": "true"})
    assert 'data-status="ready"' in fragment.text


def test_commit_then_drop_creates_exactly_one_upstream_filespace(
    live_server, portal_on_simulator, celery_worker_process
):
    simulator = portal_on_simulator
    simulator.set_faults(drop_after_commit_rate=1.0)
    owner = MembershipFactory()
    session = signed_in_session(live_server, owner.user.email)
    option = FilespaceFactory.build().storage_option

    assert place_order(session, live_server, "dropped-once", option.pk).ok

    filespace = wait_for(
        lambda: Filespace.objects.filter(name="dropped-once", upstream_id__isnull=False).first(),
        what=f"adoption; worker log:\n{celery_worker_process.log()[-2000:]}",
    )
    simulator.set_faults(drop_after_commit_rate=0.0)
    assert filespace.create_attempts >= 2, "the first POST was dropped, a second attempt adopted"
    assert simulator.request_counts().get("createFilespace") == 1
    assert len(upstream_named("dropped-once", simulator.domain)) == 1
    wait_for(lambda: Filespace.objects.get(pk=filespace.pk).status == Filespace.Status.READY)


def test_5xx_and_rate_limits_delay_but_never_lose_an_order(
    live_server, portal_on_simulator, celery_worker_process
):
    simulator = portal_on_simulator
    simulator.set_faults(fail_rate=0.3, rate_limit_rate=0.2, retry_after=1)
    owner = MembershipFactory()
    session = signed_in_session(live_server, owner.user.email)
    option = FilespaceFactory.build().storage_option

    names = [f"flaky-{i}" for i in range(4)]
    for name in names:
        assert place_order(session, live_server, name, option.pk).ok

    wait_for(
        lambda: Filespace.objects.filter(name__in=names, status="ready").count() == len(names),
        timeout=90,
        what=f"all ready; worker log:\n{celery_worker_process.log()[-3000:]}",
    )
    simulator.set_faults(fail_rate=0.0, rate_limit_rate=0.0)
    for name in names:
        assert len(upstream_named(name, simulator.domain)) == 1


def test_two_workers_at_once_make_one_upstream_filespace(portal_on_simulator):
    simulator = portal_on_simulator
    simulator.set_faults(latency=1.0)
    order = FilespaceFactory(name="raced", domain_name=simulator.domain)
    outcomes = []

    def attempt():
        outcomes.append(services.filespace_provision(filespace_id=order.pk))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    simulator.set_faults(latency=0.0)

    assert sum(1 for o in outcomes if o.retry_in is not None) == 1, outcomes
    assert simulator.request_counts().get("createFilespace") == 1
    order.refresh_from_db()
    assert order.upstream_id
    assert len(upstream_named("raced", simulator.domain)) == 1


def test_simulator_restart_mid_order_loses_nothing(
    live_server, portal_on_simulator, celery_worker_process
):
    simulator = portal_on_simulator
    owner = MembershipFactory()
    session = signed_in_session(live_server, owner.user.email)
    option = FilespaceFactory.build().storage_option
    simulator.stop()

    assert place_order(session, live_server, "survives-restart", option.pk).ok
    time.sleep(1.5)  # the worker meets a closed port and schedules a retry
    simulator.start()

    wait_for(
        lambda: Filespace.objects.get(name="survives-restart").status == Filespace.Status.READY,
        timeout=90,
        what=f"ready after restart; worker log:\n{celery_worker_process.log()[-2000:]}",
    )
    assert len(upstream_named("survives-restart", simulator.domain)) == 1
