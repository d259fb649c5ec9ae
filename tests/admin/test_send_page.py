"""The admin's "Send a notification" page, through the real admin with a logged-in staff user.

Hostile text never becomes a 500: each case below answers the form again with
an error on the field at fault and writes nothing.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from notifications.models import Event, Notification

SEND = "/admin/notifications/event/send/"
CHANGELIST = "/admin/notifications/event/"
MB = 1024 * 1024
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def staff(make_user):
    root = make_user("root", password="s3cret-pass", is_staff=True, is_superuser=True)
    client = Client()
    login = getattr(root, get_user_model().USERNAME_FIELD)
    page = client.post(
        "/admin/login/", {"username": login, "password": "s3cret-pass", "next": "/admin/"}
    )
    assert page.status_code == 302, "the staff user could not log in"
    return client


def post(client, **fields):
    return client.post(SEND, {"type": "post_like", "title": "Hello", "audience": "users", **fields})


def messages_after(client, response):
    return [str(m) for m in client.get(response["Location"]).context["messages"]]


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"data": '{"a": "\\u0000"}'}, "data", "Null characters are not allowed."),
        ({"data": '{"\\u0000": 1}'}, "data", "Null characters are not allowed."),
        ({"data": '["ok", {"deep": ["\\u0000"]}]'}, "data", "Null characters are not allowed."),
        ({"data": '"\\ud800"'}, "data", "Lone surrogate characters are not allowed."),
        ({"data": '{"\\udfff": 1}'}, "data", "Lone surrogate characters are not allowed."),
        ({"data": DEEP}, "data", "JSON nested too deeply."),
        ({"title": "a\x00b"}, "title", "Null characters are not allowed."),
        ({"message": "a\x00b"}, "message", "Null characters are not allowed."),
        ({"key": "k\x00"}, "key", "Null characters are not allowed."),
        ({"users": "1\x00"}, "users", "Null characters are not allowed."),
        (
            {"type": "post\x00like"},
            "type",
            "Null characters are not allowed.",
        ),
        (
            {"title": "t" * MB},
            "title",
            "Ensure this value has at most 255 characters (it has 1048576).",
        ),
        (
            {"key": "k" * MB},
            "key",
            "Ensure this value has at most 255 characters (it has 1048576).",
        ),
        ({"users": "1" * MB}, "users", "Enter user ids separated by commas."),
        (
            {"users": "1," * (MB // 2)},
            "users",
            "Enter at most 1000 user ids; choose groups or everyone for more.",
        ),
    ],
)
def test_hostile_text_is_a_form_error(staff, ann, caplog, fields, field, error):
    with caplog.at_level(logging.ERROR):
        response = post(staff, **{"users": str(ann.pk), **fields})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert Event.objects.count() == 0
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_page_shows_the_deep_json_again_as_typed(staff, ann):
    response = post(staff, users=str(ann.pk), data="[" * 5_000 + "]" * 5_000)

    assert response.status_code == 200
    assert "[" * 5_000 in response.content.decode()


def test_a_one_megabyte_message_is_sent(staff, ann):
    response = post(staff, users=str(ann.pk), message="m" * MB)

    assert response.status_code == 302
    assert len(Event.objects.get().message) == MB


def test_sending_lands_on_the_changelist_with_a_success_message(staff, ann, bob):
    response = post(staff, users=f"{ann.pk},{bob.pk}")

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert messages_after(staff, response) == [f"Sent event #{event.pk}: 2 notifications created."]


def test_one_recipient_is_one_notification(staff, ann):
    response = post(staff, users=str(ann.pk))

    event = Event.objects.get()
    assert messages_after(staff, response) == [f"Sent event #{event.pk}: 1 notification created."]


def test_no_recipient_is_zero_notifications(staff, ann):
    group = Group.objects.create(name="empty")

    response = post(staff, audience="groups", groups=[group.pk])

    event = Event.objects.get()
    assert messages_after(staff, response) == [f"Sent event #{event.pk}: 0 notifications created."]


def test_a_repeated_key_is_a_warning_and_sends_nothing(staff, ann):
    first = post(staff, users=str(ann.pk), key="once")
    staff.get(first["Location"])

    again = post(staff, users=str(ann.pk), key="once", title="Again")

    assert again["Location"] == CHANGELIST
    assert messages_after(staff, again) == [
        "An event of type post_like with key 'once' exists: nothing was sent."
    ]
    assert (Event.objects.count(), Notification.objects.count()) == (1, 1)


def test_an_event_is_labelled_by_its_id_and_title(staff, ann):
    post(staff, users=str(ann.pk), title="Welcome to the demo")
    event = Event.objects.get()

    page = staff.get("/admin/notifications/notification/").content.decode()

    assert f"#{event.pk} Welcome to the demo" in page
    assert str(event) == f"#{event.pk} Welcome to the demo"


def test_the_data_box_starts_empty(staff):
    box = staff.get(SEND).context["form"]["data"]

    assert box.value() == ""
    assert "null" not in str(box)


def test_the_groups_selector_is_wrapped_after_its_label(staff):
    page = staff.get(SEND).content.decode()

    # Django 6.1 labels a multiple-choice widget with a <legend> of its fieldset.
    found = re.search(r'<label for="id_groups">|<legend[^>]*>\s*Groups', page)
    assert found, page
    label = found.start()
    wrapper = page.index('<div class="related-widget-wrapper"', label)
    select = page.index('<select name="groups"', wrapper)
    assert label < wrapper < select
    # No "add a group" link on a send page.
    assert 'id="add_id_groups"' not in page
