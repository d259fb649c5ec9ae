"""Concurrent subscribe, unsubscribe and mute calls of one user about one object leave one row."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from notifications import subscriptions
from notifications.models import Subscription
from tests.support import client_for

pytestmark = pytest.mark.django_db(transaction=True)

SUBS = "/api/notifications/subscriptions"
MUTE = "/api/notifications/subscriptions/mute"
CALLS = 20


def allow_all(user: Any, obj: Any) -> bool:
    return True


def run_threads(targets: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start every target at once, each on its own connection; return answers and errors."""
    barrier = threading.Barrier(len(targets), timeout=20)
    answers: list[Any] = []
    errors: list[BaseException] = []

    def wrap(target: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            answers.append(target())
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return answers, errors


@pytest.fixture
def post(db: Any) -> Group:
    return Group.objects.create(name="post 7")


@pytest.fixture
def allowed(settings: Any) -> None:
    settings.NOTIFICATIONS = {"SUBSCRIBE_PERMISSION": f"{__name__}.allow_all"}


def test_twenty_concurrent_follows_leave_one_row(ann: Any, post: Group, allowed: None) -> None:
    label = f"auth.group:{post.pk}"

    def follow() -> int:
        return client_for(ann).post(SUBS, {"target": label}, format="json").status_code

    answers, errors = run_threads([follow] * CALLS)

    assert errors == []
    assert sorted(set(answers)) in ([201], [200, 201])
    assert Subscription.objects.filter(user=ann).count() == 1
    assert subscriptions.subscriber_count(post) == 1


def test_twenty_concurrent_follows_and_unfollows_leave_at_most_one_row(
    ann: Any, post: Group, allowed: None
) -> None:
    label = f"auth.group:{post.pk}"

    def follow() -> int:
        return client_for(ann).post(SUBS, {"target": label}, format="json").status_code

    def unfollow() -> int:
        return client_for(ann).delete(f"{SUBS}?target={label}").status_code

    answers, errors = run_threads([follow, unfollow] * (CALLS // 2))

    assert errors == []
    assert set(answers) <= {200, 201, 204}
    rows = list(Subscription.objects.filter(user=ann))
    assert len(rows) <= 1
    # Whatever came last, the row (if any) is a follow: an unfollow leaves no unmuted row.
    assert all(row.subscribed for row in rows)
    # A final call of each settles it.
    client_for(ann).post(SUBS, {"target": label}, format="json")
    assert Subscription.objects.filter(user=ann).count() == 1


def test_concurrent_follows_mutes_and_unmutes_keep_one_row(ann: Any, post: Group) -> None:
    calls = [
        lambda: subscriptions.subscribe(ann, post),
        lambda: subscriptions.mute(ann, post),
        lambda: subscriptions.unmute(ann, post),
        lambda: subscriptions.unsubscribe(ann, post),
    ] * (CALLS // 4)

    _, errors = run_threads(calls)

    assert errors == []
    assert Subscription.objects.filter(user=ann).count() <= 1
    subscriptions.subscribe(ann, post)
    subscriptions.mute(ann, post)
    assert Subscription.objects.filter(user=ann).count() == 1
