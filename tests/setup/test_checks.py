"""System checks: a malformed ``EVENTS`` is reported with an id and a hint."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from notifications.event_types import sync_event_types
from notifications.models import EventType
from tests.settings import EVENTS

LIKE = {"name": "post_like", "title": "Post liking"}


def notification_errors() -> list:
    return [m for m in run_checks() if m.id and m.id.startswith("notifications.E")]


def test_valid_events_pass():
    assert notification_errors() == []


@pytest.mark.parametrize(
    ("events", "check_id"),
    [
        ("post_like", "notifications.E001"),
        ({"name": "post_like"}, "notifications.E001"),
        (42, "notifications.E001"),
        ([{"title": "No name"}], "notifications.E002"),
        (["post_like"], "notifications.E002"),
        ([LIKE, None], "notifications.E002"),
        ([{"name": "post like"}], "notifications.E003"),
        ([{"name": ""}], "notifications.E003"),
        ([{"name": 7}], "notifications.E003"),
        ([{"name": "x" * 101}], "notifications.E003"),
        ([{"name": "é"}], "notifications.E003"),
        ([LIKE, {"name": "post_like", "title": "Again"}], "notifications.E004"),
        ([{"name": "post_like", "title": 5}], "notifications.E005"),
        ([{"name": "post_like", "title": ""}], "notifications.E005"),
        ([{"name": "post_like", "title": "x" * 256}], "notifications.E005"),
        ([{"name": "post_like", "title": "t", "description": 3}], "notifications.E005"),
    ],
)
def test_malformed_events(events, check_id):
    with override_settings(EVENTS=events):
        errors = notification_errors()

    assert [error.id for error in errors] == [check_id]
    (error,) = errors
    assert error.hint
    assert "EVENTS" in error.hint
    assert "EVENTS" in error.msg


def test_every_problem_is_reported():
    events = [LIKE, {"title": "x"}, {"name": "a b"}, LIKE, {"name": "ok", "title": ""}]

    with override_settings(EVENTS=events):
        ids = [error.id for error in notification_errors()]

    assert ids == [
        "notifications.E002",
        "notifications.E003",
        "notifications.E004",
        "notifications.E005",
    ]


def test_event_types_alone_is_checked_too(settings):
    del settings.EVENTS
    settings.EVENT_TYPES = [("bad name", "Bad")]

    assert [error.id for error in notification_errors()] == ["notifications.E003"]


def test_check_command_fails_on_malformed_events():
    with override_settings(EVENTS=[*EVENTS, EVENTS[0]]), pytest.raises(SystemCheckError) as raised:
        call_command("check")

    assert "notifications.E004" in str(raised.value)
    assert "HINT" in str(raised.value)


def test_check_command_passes_on_the_test_settings(capsys):
    call_command("check")

    assert "no issues" in capsys.readouterr().out


@pytest.mark.django_db
def test_malformed_events_change_nothing_in_the_database():
    before = list(EventType.objects.values_list("pk", "name", "is_active", "title", "position"))

    with override_settings(EVENTS=[{"name": "new_type"}, {"name": "bad name"}]):
        sync_event_types()
        with pytest.raises(SystemCheckError):
            call_command("migrate", verbosity=0, skip_checks=False)

    after = list(EventType.objects.values_list("pk", "name", "is_active", "title", "position"))
    assert after == before
    assert [name for _, name, active, _, _ in after if active] == ["post_like", "post_comment"]
