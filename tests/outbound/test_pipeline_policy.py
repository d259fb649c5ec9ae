"""The fan-out pipeline's one error policy, seen from the channel side.

Writing fails loudly; work after commit (here: queueing email and Web Push)
is logged and never undoes the committed rows, whichever mode wrote them.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from notifications import outbound
from notifications.fanout import pipeline
from notifications.helpers import send_notification
from notifications.models import Event, EventType, Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("queue down")

    monkeypatch.setattr(outbound, "enqueue_for_event", broken)


def test_an_inline_send_keeps_its_rows_when_channel_work_cannot_be_queued(
    channel_settings: Any, make_user: Any, queue_down: None, caplog: Any
) -> None:
    ann = make_user("ann")
    with caplog.at_level(logging.ERROR):
        event = send_notification(type="post_like", title="Hi", users=[ann])

    assert event.notifications_count == 1
    assert Notification.objects.filter(event=event, user=ann).exists()
    assert "queue down" in caplog.text


def test_a_background_chunk_follows_the_same_policy(
    channel_settings: Any, make_user: Any, queue_down: None, caplog: Any
) -> None:
    ann = make_user("ann")
    event = Event.objects.create(type=EventType.objects.get(name="post_like"), title="Hi")

    with caplog.at_level(logging.ERROR):
        assert pipeline.fan_out_chunk.call(event.pk, [ann.pk]) == 1  # not raised

    assert Notification.objects.filter(event=event, user=ann).exists()
    event.refresh_from_db()
    assert event.notifications_count == 1
    assert "queue down" in caplog.text
