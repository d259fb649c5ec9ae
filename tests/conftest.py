"""Fixtures shared by every area of the suite, and the rules of the two legs.

Tests marked ``services`` need PostgreSQL and Redis: the embedded leg (``make
test``) skips them and says why; the services leg (``make test-services``) runs
them, exits at once when a service is down, and under ``CI=true`` reports a
``services`` test that skips anyway as a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from notifications.helpers import send_notification
from notifications.models import Event
from notifications.realtime.bus import locmem, reset_bus
from notifications.realtime.hub import close_hubs
from tests.support import SERVICES, client_for

CI = os.environ.get("CI", "").lower() == "true"
NEEDS_SERVICES = "needs PostgreSQL and Redis: run `make test-services`"

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the embedded leg, ``services`` tests skip with the reason printed."""
    if SERVICES:
        return
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.skip(reason=NEEDS_SERVICES))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """In CI, a ``services`` test never skips on the services leg: that is a failure."""
    report = yield
    if SERVICES and CI and report.skipped and item.get_closest_marker("services"):
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} skipped on the services leg in CI: {report.longrepr}"
    return report


@pytest.fixture(autouse=True)
def fresh_bus() -> Iterator[None]:
    """Every test starts and ends with a new bus (async tests that open sockets also
    close their loop's hub: see ``closing_hubs``)."""
    reset_bus()
    yield
    reset_bus()


@pytest.fixture
async def closing_hubs() -> AsyncIterator[None]:
    """Close this loop's hub at the end (its bus listener and database connection)."""
    yield
    await close_hubs()


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
def crowd(db: Any) -> Callable[[int], list[Any]]:
    """``crowd(n)`` bulk-creates ``n`` users (one INSERT) and returns them in primary-key order."""
    user_model = get_user_model()
    login = user_model.USERNAME_FIELD
    suffix = "@example.com" if login == "email" else ""
    made = 0

    def make(n: int) -> list[Any]:
        nonlocal made
        names = [f"crowd{made + i}{suffix}" for i in range(n)]
        made += n
        user_model.objects.bulk_create([user_model(**{login: name}) for name in names])
        return list(user_model.objects.filter(**{f"{login}__in": names}).order_by("pk"))

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


@pytest.fixture
def ann_client(ann: Any) -> APIClient:
    return client_for(ann)


@pytest.fixture
def bob_client(bob: Any) -> APIClient:
    return client_for(bob)


@pytest.fixture
def send(db: Any) -> Callable[..., Event]:
    """``send(users, type="post_like", title=...)``: send inside the test's transaction."""

    def _send(users: Any, type: str = "post_like", title: str = "Hello", **kwargs: Any) -> Event:
        return send_notification(type=type, title=title, users=users, **kwargs)

    return _send


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    """``with committed(): ...`` runs the on-commit work (pushes, signals) of the block."""

    def run() -> AbstractContextManager[Any]:
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def signal_log() -> Iterator[Callable[[Any], list[dict[str, Any]]]]:
    """``calls = signal_log(signal)``: record every send of ``signal`` during the test."""
    connected: list[tuple[Any, Any]] = []

    def listen(signal: Any) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []

        def receiver(sender: Any, **kwargs: Any) -> None:
            kwargs.pop("signal", None)
            calls.append({"sender": sender, **kwargs})

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return calls

    yield listen
    for signal, receiver in connected:
        signal.disconnect(receiver)
