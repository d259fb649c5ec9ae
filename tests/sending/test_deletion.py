"""What deleting users does to events, notifications and filters."""

from __future__ import annotations

from notifications.helpers import send_notification
from notifications.models import Event, EventType, ExcludedEventType, Notification
from tests.support import client_for


def test_deleting_a_user_deletes_their_notifications_and_filter(ann, bob):
    event = send_notification("post_like", "t", users=[ann, bob])
    ExcludedEventType.objects.create(
        user=ann, event_type=EventType.objects.get(name="post_comment")
    )
    ExcludedEventType.objects.create(
        user=bob, event_type=EventType.objects.get(name="post_comment")
    )

    ann.delete()

    assert not Notification.objects.filter(user_id=ann.pk).exists()
    assert not ExcludedEventType.objects.filter(user_id=ann.pk).exists()
    assert Notification.objects.filter(user=bob, event=event).exists()
    assert ExcludedEventType.objects.filter(user=bob).count() == 1
    assert Event.objects.filter(pk=event.pk).exists()


def test_deleting_the_author_keeps_the_event_with_author_null(ann, bob):
    event = send_notification("post_like", "Bob liked", users=[ann], author=bob)

    bob.delete()

    stored = Event.objects.get(pk=event.pk)
    assert stored.author_id is None
    item = client_for(ann).get("/notifications").json()["results"][0]
    assert item["event"]["author"] is None
    assert item["event"]["title"] == "Bob liked"


def test_deleting_an_event_deletes_its_notifications(ann, bob):
    event = send_notification("post_like", "t", users=[ann, bob])
    other = send_notification("post_like", "u", users=[ann])

    Event.objects.filter(pk=event.pk).delete()

    assert list(Notification.objects.values_list("event_id", flat=True)) == [other.pk]


def test_a_deleted_notification_leaves_the_event(ann, bob):
    event = send_notification("post_like", "t", users=[ann, bob])
    mine = Notification.objects.get(user=ann)

    response = client_for(ann).delete(f"/notifications{mine.pk}")

    assert response.status_code == 204
    assert Event.objects.filter(pk=event.pk).exists()
    assert Notification.objects.filter(user=bob, event=event).exists()
