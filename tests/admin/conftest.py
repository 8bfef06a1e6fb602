"""Fixtures for the staff admin: a superuser, and staff in each staff role."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory


@pytest.fixture
def staff_user(db):
    return UserFactory(email="staff@provider.example", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def role_client(client, db):
    """role_client("support") -> a client signed in as staff holding only that role."""

    def _client(role):
        user = UserFactory(email=f"{role}@provider.example", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def queued(monkeypatch):
    """Celery messages the admin would send, by task name (no broker in unit tests)."""
    from provisioning import admin as provisioning_admin
    from provisioning import tasks

    sent = []
    monkeypatch.setattr(
        tasks.filespace_provision, "delay", lambda *a: sent.append(("provision", a))
    )
    monkeypatch.setattr(tasks.filespace_status_round, "delay", lambda *a: sent.append(("round", a)))
    monkeypatch.setattr(
        tasks.filespace_delete_upstream,
        "apply_async",
        lambda args=(), **kw: sent.append(("delete", tuple(args))),
    )
    monkeypatch.setattr(
        provisioning_admin.current_app, "send_task", lambda name, *a, **kw: sent.append((name, a))
    )
    return sent


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Factories set a password per user; the production hasher makes big lists slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
