"""A write that loses the race with a delete answers 404 and pushes nothing.

Before the fix, mark-unread read the row, then updated it without looking at
how many rows the UPDATE changed: racing a delete, it answered 200 and pushed
an ``unread`` frame carrying the deleted notification (a client that
replaces by id showed it again).

Two ways to lose the race: on every database, the row is deleted just before
the UPDATE (a statement hook on the request's connection); on PostgreSQL, a
second connection deletes the row and commits while the request is waiting
for that row's lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from notifications.helpers import send_notification
from notifications.models import Notification
from tests.conftest import SERVICES, client_for
from tests.support import FORMS, Form

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = {  # detail PATCH bodies: mark unread, mark read
    "unread": {"readed": None},
    "read": {"readed": True},
}


@pytest.fixture
def notification(ann: Any) -> Notification:
    send_notification(type="post_like", title="soon deleted", users=[ann])
    row = Notification.objects.get(user=ann)
    Notification.objects.filter(pk=row.pk).update(readed=timezone.now())  # unread needs a read row
    return row


def initial_state(write: str, row: Notification) -> None:
    if write == "read":
        Notification.objects.filter(pk=row.pk).update(readed=None)


@contextmanager
def delete_before_update(notification_id: int) -> Iterator[None]:
    """Delete the row right before the request's first UPDATE of notifications runs.

    The delete runs in the request's transaction, so a 404 (which rolls back)
    brings the row back: these tests assert the answer and the pushes only.
    """
    table = connection.ops.quote_name(Notification._meta.db_table)
    done = False

    def hook(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal done
        if not done and sql.startswith("UPDATE") and Notification._meta.db_table in sql:
            done = True
            execute(f"DELETE FROM {table} WHERE id = %s", [notification_id], False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hook):
        yield
    assert done, "no UPDATE ran"


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
@pytest.mark.parametrize("write", WRITES)
def test_a_row_deleted_before_the_update_is_a_404_without_a_push(
    form: Form, write: str, ann: Any, notification: Notification, outbox: list[Any]
) -> None:
    initial_state(write, notification)
    client = client_for(ann)

    with delete_before_update(notification.pk):
        response = client.patch(form.detail(notification.pk), WRITES[write], format="json")

    assert response.status_code == 404, response.content
    assert response.json() == client.get(form.detail(10**9)).json()
    assert outbox == []


def test_a_batch_skips_a_row_deleted_before_the_update(
    ann: Any, notification: Notification, outbox: list[Any]
) -> None:
    Notification.objects.filter(pk=notification.pk).update(readed=None)
    client = client_for(ann)

    with delete_before_update(notification.pk):
        response = client.patch(FORMS[0].list, [notification.pk], format="json")

    assert response.status_code == 200
    assert response.json() == []
    assert outbox == []


def wait_for_lock_waiter(deadline: float) -> None:
    """Poll (from this thread's connection) until another backend waits on a row lock."""
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the request never waited for the row lock")


@pytest.mark.skipif(not SERVICES, reason="row locks of two connections: PostgreSQL (services leg)")
@pytest.mark.parametrize("write", WRITES)
def test_a_delete_committed_by_another_connection_mid_request(
    write: str, ann: Any, notification: Notification, outbox: list[Any]
) -> None:
    initial_state(write, notification)
    client = client_for(ann)
    failures: list[BaseException] = []
    locked = threading.Event()

    def delete_while_the_request_waits() -> None:
        try:
            with transaction.atomic():
                Notification.objects.filter(pk=notification.pk).delete()
                locked.set()
                wait_for_lock_waiter(time.monotonic() + 20)
        except BaseException as error:  # reported in the test thread
            failures.append(error)
            locked.set()
        finally:
            close_old_connections()
            connection.close()

    deleter = threading.Thread(target=delete_while_the_request_waits)
    deleter.start()
    assert locked.wait(20)
    response = client.patch(FORMS[0].detail(notification.pk), WRITES[write], format="json")
    deleter.join(20)

    assert failures == []
    assert response.status_code == 404, response.content
    assert outbox == []
