"""Email: after commit from the task queue, templates, language, RFC 8058 unsubscribe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from notifications.helpers import send_notification
from notifications.models import Delivery, Notification
from tests.conftest import client_for
from tests.outbound.conftest import API

pytestmark = pytest.mark.usefixtures("channel_settings")


def user_language(user: Any) -> str | None:
    """The language the tests store per user (NOTIFICATIONS["USER_LANGUAGE"])."""
    return {"ann@example.com": "fr"}.get(user.email)


def unsubscribe_path(message: Any) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    match = re.fullmatch(r"<https://example\.com(/api/notifications/unsubscribe/[^>]+)>", header)
    assert match, header
    return match.group(1)


def test_one_email_per_recipient_after_commit(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(
            type="post_like", title="Ann's post <b>liked</b>", message="By Cy", users=[ann, bob]
        )
        assert mail.outbox == []  # never inside the sending transaction
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    message = mail.outbox[0]
    assert message.subject == "Ann's post <b>liked</b>"
    assert message.from_email == "noreply@example.com"
    assert "By Cy" in message.body
    assert "<b>" in message.body  # the text part is not HTML-escaped
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Ann&#x27;s post &lt;b&gt;liked&lt;/b&gt;" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe_path(message)
    assert f'href="https://example.com{path}"' in html
    assert f"https://example.com{path}" in message.body
    statuses = set(Delivery.objects.values_list("channel", "status", "attempts"))
    assert statuses == {("email", "sent", 1)}


def test_in_app_only_types_send_no_email(
    member: Any, planned: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_comment", title="Hi", users=[ann])
        send_notification(type="post_like", title="Hi", users=[ann])
    assert [m.subject for m in mail.outbox] == ["Hi"]
    assert Delivery.objects.get().notification.event.type.name == "post_like"
    assert len(planned) == 1  # only the type with email queued channel work


def test_off_by_default_types_and_opted_out_users_are_skipped(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    client_for(bob).patch(
        f"{API}/preferences", {"types": {"mention": {"email": True}}}, format="json"
    )
    client_for(ann).patch(
        f"{API}/preferences", {"types": {"post_like": {"email": False}}}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="You were mentioned", users=[ann, bob])
        send_notification(type="post_like", title="Liked", users=[ann, bob])
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("bob@example.com", "Liked"),
        ("bob@example.com", "You were mentioned"),
    ]
    skipped = Delivery.objects.filter(status="skipped", notification__user=ann)
    assert sorted(skipped.values_list("reason", flat=True)) == ["disabled", "disabled"]


def test_read_before_the_task_ran_is_skipped(member: Any) -> None:
    from notifications.outbound import tasks

    ann = member("ann")
    event = send_notification(type="post_like", title="Hi", users=[ann])  # no commit in this test
    Notification.objects.filter(event=event).update(readed="2026-01-01T00:00:00Z")
    tasks.plan_event.call(event.pk)
    assert mail.outbox == []
    assert Delivery.objects.get().reason == "read"


def test_project_templates_and_recipient_language(
    member: Any, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    folder = tmp_path / "notifications" / "email"
    folder.mkdir(parents=True)
    (folder / "post_like_subject.txt").write_text(
        "{% load i18n %}{% get_current_language as lang %}{{ event.title }} [{{ lang }}]"
    )
    (folder / "post_like.txt").write_text(
        "{% load i18n %}{% get_current_language as lang %}"
        '{{ lang }}: {{ event.timestamp|date:"F" }}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]},
    ]
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "USER_LANGUAGE": "tests.outbound.test_email.user_language",
    }
    settings.LANGUAGE_CODE = "de"
    ann, bob = member("ann"), member("bob")
    with django_capture_on_commit_callbacks(execute=True):
        event = send_notification(type="post_like", title="Hi", users=[ann, bob])
    event.refresh_from_db()
    by_user = {m.to[0]: m for m in mail.outbox}
    month = event.timestamp.month
    french = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"][month - 1]  # fmt: skip
    german = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember"][month - 1]  # fmt: skip
    assert by_user["ann@example.com"].body == f"fr: {french}"
    assert by_user["bob@example.com"].body == f"de: {german}"
    assert by_user["ann@example.com"].subject == "Hi [fr]"
    # The HTML part falls back to the package's default template, in the same language.
    assert '<html lang="fr">' in by_user["ann@example.com"].alternatives[0][0]
    assert '<html lang="de">' in by_user["bob@example.com"].alternatives[0][0]


def test_one_click_unsubscribe_round_trip(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="First", users=[ann])
    path = unsubscribe_path(mail.outbox[0])
    anonymous = Client(enforce_csrf_checks=True)  # mail providers send no cookie, no CSRF token

    page = anonymous.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert '<form method="post">' in page.content.decode()
    assert anonymous.get(path).json() == {"types": ["post_like"], "channel": "email"}

    done = anonymous.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    assert done.json() == {"unsubscribed": ["post_like"], "channel": "email"}
    channels = {
        t["name"]: t["channels"] for t in client_for(ann).get(f"{API}/preferences").json()["types"]
    }
    assert channels["post_like"] == {"in_app": True, "email": False}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Second", users=[ann])
    assert mail.outbox == []
    assert Notification.objects.filter(user=ann).count() == 2  # in-app still on


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_a_400(
    member: Any, method: str, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="First", users=[ann])
    path = unsubscribe_path(mail.outbox[0])
    response = getattr(Client(), method)(path[:-3] + "xyz")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid unsubscribe link."}
    assert getattr(Client(), method)(f"{API}/unsubscribe/garbage").status_code == 400


def test_unsubscribe_refuses_other_methods(member: Any) -> None:
    assert Client().put(f"{API}/unsubscribe/garbage").status_code == 405


def test_users_without_an_address_are_skipped(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    if get_user_model().USERNAME_FIELD == "email":
        pytest.skip("the services leg's user model logs in by email: every user has one")
    nobody = member("nobody", email="")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Hi", users=[nobody])
    assert mail.outbox == []
    assert Delivery.objects.get().reason == "no email address"


def test_an_address_with_a_line_break_fails_for_good_alone(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann", email="ann@example.com\r\nBcc: eve@example.com"), member("bob")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Hi", users=[ann, bob])
    assert [m.to[0] for m in mail.outbox] == ["bob@example.com"]
    bad = Delivery.objects.get(notification__user=ann)
    assert (bad.status, bad.attempts, bad.next_attempt_at) == ("failed", 1, None)  # final
    assert "Header values" in bad.error  # BadHeaderError on 5.2, ValueError on 6.1


def emailed_token(member: Any, capture: Any) -> tuple[Any, str]:
    ann = member("ann")
    with capture(execute=True):
        send_notification(type="post_like", title="First", users=[ann])
    return ann, unsubscribe_path(mail.outbox[0])


def email_on(user: Any) -> bool:
    types = client_for(user).get(f"{API}/preferences").json()["types"]
    return bool({t["name"]: t for t in types}["post_like"]["channels"]["email"])


def test_an_old_link_cannot_turn_email_off_after_the_user_turned_it_on_again(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, path = emailed_token(member, django_capture_on_commit_callbacks)
    assert Client().post(path).json() == {"unsubscribed": ["post_like"], "channel": "email"}
    assert Client().post(path).status_code == 200  # twice is harmless
    assert not email_on(ann)
    on = client_for(ann).patch(
        f"{API}/preferences", {"types": {"post_like": {"email": True}}}, format="json"
    )
    assert on.status_code == 200
    again = Client().post(path)
    assert (again.status_code, again.json()) == (400, {"detail": "Invalid unsubscribe link."})
    assert email_on(ann)


def test_unsubscribe_links_expire(
    member: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, path = emailed_token(member, django_capture_on_commit_callbacks)
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "UNSUBSCRIBE_MAX_AGE_DAYS": 1e-9}
    response = Client().post(path)
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid unsubscribe link."})
    assert email_on(ann)
