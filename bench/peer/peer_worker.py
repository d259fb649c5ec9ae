"""The peer's measurements, run by the peer's venv from bench/peer: ``peer_worker.py CMD``.

Every command prints one JSON document on its last stdout line. Self-contained:
the repository (whose package is also called ``notifications``) is not importable here.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from notifications.models import Notification  # noqa: E402
from notifications.signals import notify  # noqa: E402

VERB = "liked your post"


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def setup(users: str) -> dict[str, Any]:
    """Migrate the (new, empty) database and insert ``users`` users in one statement."""
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined)"
            " SELECT '!', false, 'user' || g, '', '', '', false, true, now()"
            " FROM generate_series(1, %s) g",
            [int(users)],
        )
        cursor.execute("ANALYZE")
    return {"users": User.objects.count()}


def _clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Notification._meta.db_table} RESTART IDENTITY")


def fanout(n: str) -> dict[str, Any]:
    """Time ``notify.send(actor, recipient=<QuerySet of n users>, verb=...)``."""
    size = int(n)
    actor = User.objects.get(pk=1)
    _clear()
    notify.send(actor, recipient=User.objects.filter(pk=1), verb=VERB)  # warm-up
    _clear()
    gc.collect()
    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    Path("/proc/self/clear_refs").write_text("5")
    baseline = _status_mib("VmRSS")
    cpu = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        notify.send(actor, recipient=User.objects.filter(pk__lte=size), verb=VERB)
    seconds = time.perf_counter() - started
    created = Notification.objects.count()
    assert created == size, (created, size)
    result = {
        "n": size,
        "seconds": seconds,
        "statements": count[0],
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_growth_mib": _status_mib("VmHWM") - baseline,
    }
    _clear()
    return result


def load_list(users: str, per_user: str) -> dict[str, Any]:
    """The same shape as ours: ``per_user`` notifications per user, a third of them read."""
    from django.contrib.contenttypes.models import ContentType

    user_type = ContentType.objects.get_for_model(User).pk
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_notification (level, recipient_id, unread,"
            " actor_content_type_id, actor_object_id, verb, description, timestamp, public,"
            " deleted, emailed, data)"
            " SELECT 'info', u.id, mod(u.id + g, 3) <> 0, %s, '1', 'Event ' || g, NULL,"
            " now() - (interval '1 minute' * (%s - g)), true, false, false, '{\"post\": 7}'"
            " FROM generate_series(1, %s) g CROSS JOIN auth_user u ORDER BY g, u.id",
            [user_type, int(per_user), int(per_user)],
        )
        cursor.execute("VACUUM ANALYZE notifications_notification")
    return {
        "seconds": time.perf_counter() - started,
        "notifications": Notification.objects.count(),
    }


def sessions(count: str) -> dict[str, Any]:
    """Log in the first ``count`` users; return their session keys."""
    keys = []
    for user in User.objects.order_by("pk")[: int(count)]:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return {"sessions": keys}


COMMANDS = {"setup": setup, "fanout": fanout, "load_list": load_list, "sessions": sessions}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
