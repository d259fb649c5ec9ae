"""Translatable text is checked where every send is: bad params name the field and the problem."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks

from notifications.exceptions import InvalidNotification
from notifications.helpers import send_notification
from notifications.i18n import gettext_lazy, ngettext_lazy
from notifications.models import Event, Notification

pytestmark = pytest.mark.django_db

GREETING = gettext_lazy("Hello %(name)s")


@pytest.mark.parametrize(
    ("title", "params", "code"),
    [
        (GREETING, ["Ann"], "not_a_dict"),
        (GREETING, {"name": "Ann", "count": 3}, "bad_name"),
        (GREETING, {"name": "Ann", 7: "x"}, "bad_name"),
        (GREETING, {"name": ["Ann"]}, "bad_value"),
        (GREETING, {"name": "A\x00nn"}, "nul"),
        (GREETING, {}, "missing"),
        (ngettext_lazy("%(n)d apple", "%(n)d apples", "n"), {}, "missing"),
        (ngettext_lazy("%(n)d apple", "%(n)d apples", "n"), {"n": "five"}, "missing"),
        ("A plain title", {"name": "Ann"}, "not_translatable"),
    ],
)
def test_bad_params_are_refused_before_anything_is_written(
    languages: None, bob: Any, title: Any, params: Any, code: str
) -> None:
    with pytest.raises(InvalidNotification) as error:
        send_notification(type="post_like", title=title, params=params, users=[bob])

    assert (error.value.field, error.value.code) == ("params", code)
    assert not Event.objects.exists()


def test_a_type_without_a_template_still_needs_a_title(languages: None, bob: Any) -> None:
    with pytest.raises(InvalidNotification) as error:
        send_notification(type="post_like", users=[bob])

    assert error.value.field == "title"


def test_a_template_send_needs_its_params(languages: None, ann: Any, bob: Any) -> None:
    with pytest.raises(InvalidNotification) as error:
        send_notification(type="liked", users=[bob], author=ann)  # no "post"

    assert (error.value.field, error.value.code) == ("params", "missing")


def test_only_the_message_may_be_translatable(languages: None, bob: Any) -> None:
    send_notification(
        type="post_like",
        title="Plain",
        message=gettext_lazy("Post: %(post)s"),
        params={"post": "Cats"},
        users=[bob],
    )

    event = Notification.objects.get(user=bob).event
    assert (event.title, event.message) == ("Plain", "Post: Cats")
    assert event.text["title"] is None


def test_a_bad_text_template_in_events_is_a_system_check_error(settings: Any) -> None:
    settings.EVENTS = [{"name": "liked", "title": "Likes", "text": {"title": "not a Text"}}]

    errors = [e for e in run_checks() if e.id == "notifications.E005"]

    assert errors
    assert "text" in errors[0].msg


def test_a_django_lazy_string_is_refused_as_a_title(languages: None, bob: Any) -> None:
    # Its message id is not public: use notifications.i18n.gettext_lazy (same arguments).
    from django.utils.translation import gettext_lazy as django_gettext_lazy

    with pytest.raises(InvalidNotification) as error:
        send_notification(type="post_like", title=django_gettext_lazy("Welcome"), users=[bob])

    assert error.value.field == "title"
    assert not Event.objects.exists()
