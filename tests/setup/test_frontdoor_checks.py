"""Checks a newcomer meets: dotted paths that do not import (E006, naming the setting), the
mailer (E016), and ``check --deploy`` warnings for unsafe production settings (W020-W022)."""

from __future__ import annotations

from typing import Any

import django
import pytest
from django.core.checks import run_checks
from django.test import override_settings

from notifications.event_types import sync_event_types

EMAIL_EVENTS = [{"name": "mention", "title": "Mentions", "channels": ["in_app", "email"]}]
BASE = {"BUS": "locmem", "BASE_URL": "https://example.com"}


def ids_of(messages: list[Any]) -> list[str]:
    return sorted(m.id for m in messages if m.id.startswith("notifications."))


def errors(notifications: dict[str, Any], **settings: Any) -> list[Any]:
    with override_settings(NOTIFICATIONS={**BASE, **notifications}, **settings):
        return [m for m in run_checks() if m.id.startswith("notifications.E")]


@pytest.mark.parametrize("key", ["USER_LANGUAGE", "USER_TIME_ZONE", "AUTHOR_NAME"])
def test_a_dotted_path_that_does_not_import_names_its_setting(key: str) -> None:
    (error,) = errors({key: "myapp.utils.user_language"})

    assert error.id == "notifications.E006"
    assert f"NOTIFICATIONS[{key!r}]" in error.msg
    assert "myapp" in error.msg
    assert f"NOTIFICATIONS[{key!r}]" in error.hint


def test_a_dotted_path_to_something_not_callable_is_an_error() -> None:
    (error,) = errors({"USER_LANGUAGE": "notifications.conf.DEFAULTS"})

    assert error.id == "notifications.E006"
    assert "not callable" in error.msg


def test_an_importable_function_passes() -> None:
    assert errors({"USER_TIME_ZONE": "tests.outbound.test_email_links.user_time_zone"}) == []


@pytest.mark.django_db
def test_a_mailer_that_does_not_exist_is_an_error(settings: Any) -> None:
    settings.EVENTS = EMAIL_EVENTS
    sync_event_types()
    found = errors({"MAILER": "notices"})

    assert ids_of(found) == ["notifications.E016"]
    assert "'notices'" in found[0].msg
    if django.VERSION >= (6, 1):
        with override_settings(
            MAILERS={"notices": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        ):
            assert errors({"MAILER": "notices"}) == []


@pytest.mark.django_db
def test_the_tasks_hint_does_not_send_newcomers_to_an_index_name(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.EVENTS = EMAIL_EVENTS
    sync_event_types()
    monkeypatch.setattr("notifications.tasks.task_decorator", lambda: None)
    (error,) = [m for m in errors({}) if m.id == "notifications.E013"]

    assert "'tasks' extra" in error.hint
    assert "django-rest-notifications[tasks]" not in error.hint


def deploy_warnings(notifications: dict[str, Any], **settings: Any) -> list[str]:
    with override_settings(NOTIFICATIONS={**BASE, **notifications}, **settings):
        found = run_checks(include_deployment_checks=True)
    return ids_of(
        [
            m
            for m in found
            if m.id in {"notifications.W020", "notifications.W021", "notifications.W022"}
        ]
    )


@pytest.mark.django_db
def test_deploy_warns_about_unsafe_production_settings(settings: Any) -> None:
    settings.EVENTS = EMAIL_EVENTS
    sync_event_types()

    assert deploy_warnings({}) == ["notifications.W022"]  # webmaster@localhost
    assert deploy_warnings({"EMAIL_FROM": "n@example.com"}) == []
    assert deploy_warnings({"EMAIL_FROM": "n@example.com"}, DEFAULT_FROM_EMAIL="x@y.z") == []
    assert deploy_warnings({}, DEFAULT_FROM_EMAIL="x@example.com") == []
    assert deploy_warnings(
        {"EMAIL_FROM": "n@example.com", "ALLOW_QUERY_TOKEN": True, "BASE_URL": "http://x.org"}
    ) == ["notifications.W020", "notifications.W021"]


def test_deploy_checks_stay_quiet_outside_deploy() -> None:
    with override_settings(NOTIFICATIONS={**BASE, "ALLOW_QUERY_TOKEN": True}):
        found = run_checks()
    assert "notifications.W020" not in ids_of(found)
