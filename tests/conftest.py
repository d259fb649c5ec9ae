"""Fixtures shared by every area of the suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from notifications.bus import locmem, reset_bus
from notifications.hub import close_hubs

SERVICES = os.environ.get("NOTIFICATIONS_TEST_SERVICES") == "1"

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'


def pytest_sessionstart(session: pytest.Session) -> None:
    """The services leg fails loudly, never skips, when a service is down."""
    if not SERVICES:
        return
    from django.conf import settings

    db = settings.DATABASES["default"]
    try:
        import psycopg

        psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], connect_timeout=3
        ).close()
    except Exception as error:
        pytest.exit(
            f"PostgreSQL at {db['HOST']}:{db['PORT']} is not reachable ({error}). "
            f"Start it with: {START_POSTGRES}",
            returncode=3,
        )
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:
        pytest.exit(
            f"Redis at {settings.REDIS_URL} is not reachable ({error}). "
            f"Start it with: {START_REDIS}",
            returncode=3,
        )


@pytest.fixture(autouse=True)
async def fresh_bus() -> AsyncIterator[None]:
    """Every test starts with a new bus and ends with this loop's hub closed (its bus
    listener stopped and its database connection released)."""
    reset_bus()
    yield
    await close_hubs()
    reset_bus()


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """Create a user of whatever AUTH_USER_MODEL is: ``make_user("ann")``."""
    user_model = get_user_model()

    def make(name: str, password: str = "password", **extra: Any) -> Any:
        login = f"{name}@example.com" if user_model.USERNAME_FIELD == "email" else name
        return user_model.objects.create_user(
            **{user_model.USERNAME_FIELD: login}, password=password, **extra
        )

    return make


@pytest.fixture
def ann(make_user: Callable[..., Any]) -> Any:
    return make_user("ann")


@pytest.fixture
def bob(make_user: Callable[..., Any]) -> Any:
    return make_user("bob")


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[Any]]:
    """Record pushes in memory instead of sending them (the package's locmem bus)."""
    settings.NOTIFICATIONS = {**getattr(settings, "NOTIFICATIONS", {}), "BUS": "locmem"}
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()
    reset_bus()


def client_for(user: Any) -> APIClient:
    """An API client logged in with a real session."""
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def ann_client(ann: Any) -> APIClient:
    return client_for(ann)


@pytest.fixture
def bob_client(bob: Any) -> APIClient:
    return client_for(bob)
