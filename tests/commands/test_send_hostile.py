"""``manage.py send_notification`` with hostile text: a clean CommandError, never a traceback.

Through ``call_command`` (on each leg's database) and through a real
``python manage.py`` process, where text with invalid UTF-8 in ``argv``
arrives as lone surrogates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Event, Notification

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def run(**options):
    out = StringIO()
    call_command("send_notification", stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"type": "post\x00like"}, "--type: Null characters are not allowed."),
        ({"title": "a\x00b"}, "--title: Null characters are not allowed."),
        ({"message": "\x00"}, "--message: Null characters are not allowed."),
        ({"key": "k\x00"}, "--key: Null characters are not allowed."),
        ({"users": ["ann\x00"]}, "--users: Null characters are not allowed."),
        ({"title": "\ud800"}, "--title: Lone surrogate characters are not allowed."),
        ({"type": "\udcff"}, "--type: Lone surrogate characters are not allowed."),
        ({"users": ["\udcff"]}, "--users: Lone surrogate characters are not allowed."),
        ({"data": '{"a": "\\u0000"}'}, "--data: Null characters are not allowed."),
        ({"data": '{"\\u0000": 1}'}, "--data: Null characters are not allowed."),
        ({"data": '"\\ud800"'}, "--data: Lone surrogate characters are not allowed."),
        ({"data": "[" * 100_000 + "]" * 100_000}, "--data: JSON nested too deeply."),
        ({"title": "t" * MB}, "title must be a non-empty string of at most 255 characters"),
        ({"key": "k" * MB}, "key must be a non-empty string of at most 255 characters"),
    ],
)
def test_hostile_text_is_a_command_error(ann, options, message):
    arguments = {"type": "post_like", "title": "Hi", "users": [str(ann.pk)], **options}

    with pytest.raises(CommandError) as raised:
        run(**arguments)

    assert str(raised.value) == message
    assert Event.objects.count() == 0


def test_a_huge_number_is_an_unknown_user_not_a_crash(ann):
    with pytest.raises(CommandError) as raised:
        run(type="post_like", title="Hi", users=["9" * 5_000])

    assert str(raised.value) == f"No such user: {'9' * 40}… (5000 characters)."


def test_thousands_of_recipients_are_looked_up_in_batches(make_user):
    users = [make_user(f"user{i}") for i in range(3)]
    references = [str(user.pk) for user in users] * 1_500  # 4,500 references, 3 users

    output = run(type="post_like", title="Hi", users=references)

    assert output.endswith(": 3 notifications.\n")
    assert Notification.objects.count() == 3


def test_one_recipient_is_one_notification(ann):
    output = run(type="post_like", title="Hi", users=[str(ann.pk)])

    event = Event.objects.get()
    assert output == f"Sent event {event.pk} (post_like): 1 notification.\n"


# A real process: argv, the exit status and stderr as a shell user sees them.


@pytest.fixture(scope="module")
def command_env(tmp_path_factory):
    database = tmp_path_factory.mktemp("command") / f"db-{os.getpid()}.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.commands.command_settings",
        "NOTIFICATIONS_COMMAND_DB": str(database),
        "PYTHONPATH": str(ROOT),
    }
    manage(env, "migrate", "--noinput", "-v0", check=True)
    return env


def manage(env, *args, check=False):
    return subprocess.run(
        [sys.executable, str(ROOT / "example" / "manage.py"), *args],
        env=env,
        capture_output=True,
        timeout=120,
        check=check,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([b"--title", b"caf\xe9"], "--title: Lone surrogate characters are not allowed."),
        (
            [b"--title", b"x", b"--key", b"\xff"],
            "--key: Lone surrogate characters are not allowed.",
        ),
        ([b"--data", b'{"a": "\\u0000"}'], "--data: Null characters are not allowed."),
        ([b"--data", b'["\\udfff"]'], "--data: Lone surrogate characters are not allowed."),
        ([b"--data", b"[" * 50_000 + b"]" * 50_000], "--data: JSON nested too deeply."),
        ([b"--data", b"{oops"], "--data is not valid JSON: "),
    ],
)
def test_the_process_ends_with_a_command_error_not_a_traceback(command_env, args, message):
    if b"--title" not in args:
        args = [b"--title", b"Hi", *args]

    result = manage(command_env, "send_notification", "--type", "post_like", "--all", *args)

    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1
    assert "Traceback" not in stderr
    # The last line: system-check notes (if any) come first.
    assert stderr.splitlines()[-1].startswith(f"CommandError: {message}")


def test_the_process_sends_when_the_input_is_fine(command_env):
    result = manage(
        command_env, "send_notification", "--type", "post_like", "--title", "Hi", "--all"
    )

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().endswith(": 0 notifications.\n")
