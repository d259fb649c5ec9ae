"""The peer's measurements, run by the peer's venv from bench/peer: ``peer_worker.py CMD``.

Every command prints one JSON document on its last stdout line. The repository
(whose package is also called ``notifications``) is not importable here; the
stdlib-only ``bench/shared.py`` is (``PYTHONPATH=bench``).
"""

from __future__ import annotations

import os
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from shared import login_sessions, request_statements, run_worker, setup_users, timed_call  # noqa: E402

from notifications.models import Notification  # noqa: E402
from notifications.signals import notify  # noqa: E402

VERB = "liked your post"


def setup(users: str) -> dict[str, Any]:
    """Migrate and insert ``users`` users."""
    return setup_users(int(users))


def _clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Notification._meta.db_table} RESTART IDENTITY")


def fanout(n: str) -> dict[str, Any]:
    """Time ``notify.send(actor, recipient=<QuerySet of n users>, verb=...)`` (after a warm-up)."""
    size = int(n)
    actor = User.objects.get(pk=1)
    _clear()
    notify.send(actor, recipient=User.objects.filter(pk=1), verb=VERB)  # warm-up
    _clear()
    result = timed_call(
        lambda: notify.send(actor, recipient=User.objects.filter(pk__lte=size), verb=VERB)
    )
    created = Notification.objects.count()
    assert created == size, (created, size)
    _clear()
    return {"n": size, **result}


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
    return {"sessions": login_sessions(int(count))}


def statements(path: str, session: str) -> dict[str, Any]:
    """SQL statements of one GET of ``path`` with session ``session``."""
    return {"statements": request_statements(path, cookies={"sessionid": session})}


if __name__ == "__main__":
    run_worker(
        {
            "setup": setup,
            "fanout": fanout,
            "load_list": load_list,
            "sessions": sessions,
            "statements": statements,
        }
    )
