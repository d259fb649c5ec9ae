"""Plans of one fan-out chunk for several audience shapes: ``python -m bench.plans``.

Runs on the bench's fan-out database (``python -m bench --only fanout --keep``,
or ``BENCH_DB`` naming a database with users); writes nothing that stays
(everything runs in a transaction that is rolled back). Prints each
``EXPLAIN ANALYZE`` of the second chunk's ``INSERT ... SELECT``.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ours.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from notifications.conf import notifications_settings  # noqa: E402
from notifications.fanout.audience import resolve_audience  # noqa: E402
from notifications.fanout.sql import insert_sql, names_users_once  # noqa: E402
from notifications.models import Event, EventType, Notification  # noqa: E402


def main() -> None:
    """Print the plan of the second chunk of each audience shape."""
    user_model = get_user_model()
    shapes = {
        "all users (None)": None,
        "filtered QuerySet": user_model.objects.filter(is_active=True, is_staff=False),
        'values_list("id", flat=True)': user_model.objects.filter(is_active=True).values_list(
            "id", flat=True
        ),
        "another model's user_id": Notification.objects.values_list("user_id", flat=True),
        "sliced QuerySet": user_model.objects.order_by("pk")[:50_000],
    }
    size = notifications_settings.FANOUT_BATCH_SIZE
    event_type = EventType.objects.get(name="post_like")
    with transaction.atomic():
        seed = Event.objects.create(type=event_type, title="seed")
        Notification.objects.bulk_create(
            Notification(event=seed, user_id=pk)
            for pk in user_model.objects.values_list("pk", flat=True)[: 4 * size]
        )
        event = Event.objects.create(type=event_type, title="explained")
        for name, users in shapes.items():
            chunks = resolve_audience(users).chunks(size)
            next(chunks)
            chunk = next(chunks)
            sql, params = insert_sql(event, chunk, skip_existing=not names_users_once(chunk))
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"== {name}\n{plan}\n")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
