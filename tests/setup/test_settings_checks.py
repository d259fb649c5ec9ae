"""System checks on ``NOTIFICATIONS``: value types and ranges (E007), a bus that imports (E006)."""

from __future__ import annotations

import weakref

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

LOCMEM = "notifications.realtime.bus.locmem.LocmemBus"
#: Besides the errors: the unknown-key warning (the bus's I002 and W006 are other tests').
CHECKED = {"notifications.W001"}

# Django 6.1's model checks ask each database whether it supports JSONField, so
# running the system checks opens a connection there (5.2 does not).
pytestmark = pytest.mark.django_db


def messages_of(notifications: object) -> list:
    with override_settings(NOTIFICATIONS=notifications):
        return [m for m in run_checks() if m.id in CHECKED or m.id.startswith("notifications.E")]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_BATCH_IDS", 0),
        ("MAX_BATCH_IDS", "1000"),
        ("MAX_BATCH_IDS", True),
        ("FANOUT_BATCH_SIZE", -5),
        ("FANOUT_BATCH_SIZE", 50.0),
        ("ASYNC_FANOUT_THRESHOLD", -1),
        ("ASYNC_FANOUT_THRESHOLD", "10"),
        ("REDIS_URL", 6379),
        ("REDIS_PREFIX", "has space"),
        ("REDIS_PREFIX", ""),
        ("REDIS_PREFIX", "x" * 81),
        ("REDIS_CLUSTER_URLS", "redis://127.0.0.1:7000"),
        ("REDIS_SENTINEL_URLS", []),
        ("BUS_LISTEN_DATABASE", 5432),
        ("POOLED_DATABASES", "default"),
        ("BUS_CONNECT_TIMEOUT", "3"),
        ("BUS_POLL_INTERVAL", -0.5),
        ("BUS_RETENTION", True),
        ("BUS_GAP_TIMEOUT", None),
        ("PUSH_INLINE_MAX", -1),
        ("SOCKET_QUEUE_SIZE", 0),
        ("REVALIDATE_INTERVAL", "60"),
        ("ALLOW_QUERY_TOKEN", "yes"),
        ("MAX_BODY_BYTES", None),
        ("MAX_PAGE_SIZE", "many"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_key(key, value):
    found = messages_of({key: value})

    assert [m.id for m in found] == ["notifications.E007"]
    assert f"NOTIFICATIONS[{key!r}]" in found[0].msg
    assert repr(value) in found[0].msg
    assert found[0].hint.startswith(f"Fix NOTIFICATIONS[{key!r}] or remove it (default: ")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_BATCH_IDS", 1),
        ("ASYNC_FANOUT_THRESHOLD", None),
        ("ASYNC_FANOUT_THRESHOLD", 0),
        ("REDIS_PREFIX", "my-site:notifications.v2"),
        ("BUS_POLL_INTERVAL", 0.05),
        ("PUSH_INLINE_MAX", 0),
        ("ALLOW_QUERY_TOKEN", True),
        ("BUS", LOCMEM),
        ("BUS", "database"),
    ],
)
def test_good_values_pass(key, value):
    assert messages_of({key: value}) == []


def test_notifications_must_be_a_dict():
    found = messages_of([("MAX_BATCH_IDS", 10)])

    assert [m.id for m in found] == ["notifications.E007"]
    assert found[0].msg == "NOTIFICATIONS must be a dict, not list."


@pytest.mark.parametrize(
    "path",
    [
        "notifications.realtime.bus.nope.NopeBus",
        "notifications.realtime.bus.locmem.NoSuchClass",
        "NoDots",
    ],
)
def test_a_bus_that_does_not_import_is_an_error(path):
    found = messages_of({"BUS": path})

    assert [m.id for m in found] == ["notifications.E006"]
    assert found[0].msg.startswith(f"NOTIFICATIONS['BUS'] names {path!r}, which does not import: ")


def test_a_bus_named_like_the_local_one_is_imported_not_matched_by_name():
    found = messages_of({"BUS": "myproject.buses.LocalBus"})

    assert [m.id for m in found] == ["notifications.E006"]


def test_unknown_keys_still_warn_beside_errors():
    found = messages_of({"MAX_PAGE_SIZE": 0, "MAX_PAGE": 10})

    assert [m.id for m in found] == ["notifications.E007", "notifications.W001"]


def test_check_command_stops_on_a_bad_value():
    with (
        override_settings(NOTIFICATIONS={"MAX_BODY_BYTES": "64k"}),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("check")

    assert "notifications.E007" in str(raised.value)
    assert "HINT" in str(raised.value)


@pytest.mark.parametrize("key", sorted(__import__("notifications.conf").conf.SETTINGS))
def test_every_setting_has_a_rule_its_check_enforces(key):
    found = messages_of({key: object()})
    assert [m.id for m in found if f"NOTIFICATIONS[{key!r}] must be" in m.msg] == [
        "notifications.E007"
    ]


def test_a_function_path_that_does_not_import_is_e006():
    found = messages_of({"USER_LANGUAGE": "nowhere.at_all"})
    assert [(m.id, "USER_LANGUAGE" in m.msg) for m in found] == [("notifications.E006", True)]


def test_the_readme_configuration_block_is_generated_from_the_table():
    from pathlib import Path

    from notifications.conf import readme_block

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"```python\n{readme_block()}\n```" in readme


def test_a_function_setting_is_imported_once(monkeypatch):
    from notifications import conf
    from notifications.payloads import author_name

    imports = []
    real = conf.import_string

    def counting(path):
        imports.append(path)
        return real(path)

    monkeypatch.setattr(conf, "import_string", counting)
    user = type("U", (), {"pk": 1, "__str__": lambda self: "ann"})()
    with override_settings(NOTIFICATIONS={"AUTHOR_NAME": "django.utils.text.capfirst"}):
        names = [author_name(user) for _ in range(3)]
    assert names == ["Ann"] * 3
    assert imports == ["django.utils.text.capfirst"]


def test_one_setting_changed_receiver_resets_every_cache():
    from django.core.signals import setting_changed

    def resolved(reference):
        return reference() if isinstance(reference, weakref.ReferenceType) else reference

    receivers = [resolved(entry[1]) for entry in setting_changed.receivers]
    mine = [r for r in receivers if getattr(r, "__module__", "").startswith("notifications")]
    assert [r.__qualname__ for r in mine] == ["_settings_changed"]
