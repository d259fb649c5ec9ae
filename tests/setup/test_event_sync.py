"""``migrate`` syncs ``settings.EVENTS`` (or ``EVENT_TYPES``) into EventType rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from notifications.helpers import send_notification
from notifications.models import EventType
from tests.settings import EVENTS
from tests.support import client_for

FOLLOW = {"name": "user_follow", "title": "Following", "description": "Someone follows you"}


def migrate() -> None:
    call_command("migrate", "notifications", verbosity=0, interactive=False)


@pytest.fixture(autouse=True)
def migrated_types(db: object) -> None:
    """The types a fresh ``migrate`` writes for the test settings' EVENTS.

    A transactional test elsewhere ends with a flush, whose ``post_migrate`` can
    sync that test's own EVENTS; each test here starts from the declared state.
    """
    EventType.objects.all().delete()
    migrate()


def snapshot() -> list[tuple]:
    rows = EventType.objects.order_by("pk")
    return list(rows.values_list("pk", "name", "title", "description", "is_active", "position"))


def active_names() -> list[str]:
    """The rows migrate left active (sendable also needs them declared in EVENTS now)."""
    active = EventType.objects.filter(is_active=True).order_by("position", "pk")
    return list(active.values_list("name", flat=True))


def test_migrate_created_the_declared_types(db):
    assert snapshot()[0][1:] == (
        "post_like",
        "Post liking",
        "Event triggered when someone like your post",
        True,
        0,
    )
    assert active_names() == ["post_like", "post_comment"]


def test_migrate_is_idempotent(db):
    before = snapshot()

    migrate()
    migrate()

    assert snapshot() == before


def test_new_types_are_created_and_others_updated(db):
    changed = [
        FOLLOW,
        {"name": "post_comment", "title": "Comments", "description": "Someone commented"},
        {**EVENTS[0], "description": None},
    ]
    ids = dict(EventType.objects.values_list("name", "pk"))

    with override_settings(EVENTS=changed):
        migrate()
        migrate()

    assert active_names() == ["user_follow", "post_comment", "post_like"]
    comment = EventType.objects.get(name="post_comment")
    assert (comment.pk, comment.title, comment.description) == (
        ids["post_comment"],
        "Comments",
        "Someone commented",
    )
    assert EventType.objects.get(name="post_like").description is None
    assert EventType.objects.get(name="user_follow").title == "Following"
    assert EventType.objects.count() == 3


def test_removed_types_are_kept_inactive_and_their_notifications_stay_readable(ann, bob):
    send_notification("post_comment", "old comment", {"x": 1}, [ann])
    send_notification("post_like", "old like", None, [ann])

    with override_settings(EVENTS=[EVENTS[0]]):
        migrate()
        comment = EventType.objects.get(name="post_comment")
        response = client_for(ann).get("/notifications")
        filtered = client_for(ann).get("/notifications/filter").json()
        with pytest.raises(ValueError, match="post_comment"):
            send_notification("post_comment", "new", users=[ann])

    assert comment.is_active is False
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["event"]["title"] for r in results] == ["old like", "old comment"]
    assert results[1]["event"]["type"]["name"] == "post_comment"
    assert results[1]["event"]["data"] == {"x": 1}
    assert filtered == {"event_types": ["post_like"]}


def test_a_type_declared_again_comes_back(db):
    with override_settings(EVENTS=[EVENTS[0]]):
        migrate()
    pk = EventType.objects.get(name="post_comment").pk

    migrate()

    assert active_names() == ["post_like", "post_comment"]
    assert EventType.objects.get(name="post_comment").pk == pk


def test_event_types_alone_is_accepted(ann, settings):
    del settings.EVENTS
    settings.EVENT_TYPES = [("post_like", "Likes"), ("user_follow", "Follows")]

    migrate()
    event = send_notification("user_follow", "Bob follows you", users=[ann])

    assert active_names() == ["post_like", "user_follow"]
    assert EventType.objects.get(name="user_follow").title == "Follows"
    assert EventType.objects.get(name="post_like").title == "Likes"
    assert EventType.objects.get(name="post_comment").is_active is False
    assert event.notifications_count == 1


def test_events_wins_over_event_types(db, settings):
    settings.EVENT_TYPES = [("user_follow", "Follows")]

    migrate()

    assert active_names() == ["post_like", "post_comment"]


def test_title_defaults_to_the_name(db, settings):
    settings.EVENTS = [{"name": "user_follow"}]

    migrate()

    follow = EventType.objects.get(name="user_follow")
    assert (follow.title, follow.description, follow.is_active) == ("user_follow", None, True)
