"""``manage.py send_notification``, run through ``call_command``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from notifications.models import Event, Notification
from notifications.testing import pushes_for


def login_of(user):
    return getattr(user, get_user_model().USERNAME_FIELD)


def run(*args, **options):
    out = StringIO()
    call_command("send_notification", *args, stdout=out, **options)
    return out.getvalue()


def test_sends_to_users_by_id_and_by_username(ann, bob, make_user):
    carol = make_user("carol")

    output = run(
        "--type",
        "post_like",
        "--title",
        "Hello",
        "--message",
        "Body",
        "--data",
        '{"json": 1}',
        "--users",
        str(ann.pk),
        login_of(bob),
        str(ann.pk),  # listed twice: still one notification
    )

    event = Event.objects.get()
    assert output == f"Sent event {event.pk} (post_like): 2 notifications.\n"
    assert (event.type.name, event.title, event.message, event.data) == (
        "post_like",
        "Hello",
        "Body",
        {"json": 1},
    )
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
        [ann.pk, bob.pk]
    )
    assert not Notification.objects.filter(user=carol).exists()


def test_sends_to_everyone(ann, bob, make_user):
    make_user("carol")

    output = run(type="post_comment", title="News", all=True)

    event = Event.objects.get()
    assert output == f"Sent event {event.pk} (post_comment): 3 notifications.\n"
    assert (event.message, event.data) == (None, None)


def test_keyword_form_with_a_list_of_users(ann):
    run(type="post_like", title="Hi", users=[login_of(ann)])

    assert Notification.objects.get().user_id == ann.pk


def test_pushes_after_commit(ann, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run(type="post_like", title="Hi", users=[str(ann.pk)])

    assert [frame["action"] for frame in pushes_for(ann)] == ["new"]


def test_a_repeated_key_sends_nothing(ann):
    first = run(type="post_like", title="Hi", users=[str(ann.pk)], key="deploy-42")
    second = run(type="post_like", title="Hi", users=[str(ann.pk)], key="deploy-42")

    event = Event.objects.get()
    assert first.startswith(f"Sent event {event.pk} ")
    assert (
        second == f"Event {event.pk} was already sent with key 'deploy-42': nothing new was sent.\n"
    )
    assert Notification.objects.count() == 1


def test_unknown_type(ann):
    with pytest.raises(CommandError, match=r"Unknown event type 'nope'.*post_like, post_comment"):
        run(type="nope", title="Hi", users=[str(ann.pk)])
    assert Event.objects.count() == 0


def test_bad_json(ann):
    with pytest.raises(CommandError, match="--data is not valid JSON"):
        run(type="post_like", title="Hi", data="{oops", users=[str(ann.pk)])
    assert Event.objects.count() == 0


def test_no_audience(db):
    with pytest.raises(CommandError, match="one of the arguments --users --all is required"):
        run("--type", "post_like", "--title", "Hi")
    assert Event.objects.count() == 0


def test_users_and_all_together(ann):
    with pytest.raises(CommandError, match="not allowed with"):
        run("--type", "post_like", "--title", "Hi", "--all", "--users", str(ann.pk))


def test_unknown_users_are_named(ann):
    with pytest.raises(CommandError, match=r"No such user: 999999, nobody, 99999999999999999999\."):
        run(type="post_like", title="Hi", users=[str(ann.pk), "999999", "nobody", "9" * 20])
    assert Event.objects.count() == 0


def test_missing_type_or_title(ann):
    with pytest.raises(CommandError, match="--type"):
        run("--title", "Hi", "--all")
    with pytest.raises(CommandError, match="--title"):
        run("--type", "post_like", "--all")


def test_an_empty_title_is_refused(ann):
    with pytest.raises(CommandError, match="title"):
        run(type="post_like", title="", users=[str(ann.pk)])
    assert Event.objects.count() == 0


def test_url_is_where_the_notification_leads(ann):
    run("--type", "post_like", "--title", "Linked", "--url", "/posts/7", "--users", str(ann.pk))

    assert Event.objects.get().url == "/posts/7"
    with pytest.raises(CommandError, match="url"):
        run("--type", "post_like", "--title", "Bad", "--url", "javascript:x", "--all")
