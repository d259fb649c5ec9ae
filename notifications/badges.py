"""The badges: each user's unread and unseen counts, in one statement.

What is counted: a user's rows that are not archived, not snoozed and have not expired;
unread ones have no ``readed``, unseen ones no ``seen``. Each half of the
statement is an index-only count on its partial index
(``notifications_user_unread_live``, ``notifications_user_unseen``).

The statement is plain, portable SQL built from the model's columns, once per
shape. It runs for every frame pushed and every poll of ``unread-count``: built
through the ORM, building the query would cost several times the database's
own time (``python -m bench breakdown`` measures it).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

from django.db import connections
from django.utils import timezone

from notifications.payloads import Counts

#: A set of user ids at least this dense (ids / span) is counted over its range.
DENSE = 0.5


def badge_counts(user_ids: Collection[int], using: str = "default") -> dict[int, Counts]:
    """``{user_id: {"unread": n, "unseen": m}}`` for every id in ``user_ids``, one query."""
    if not user_ids:
        return {}
    wanted = set(user_ids)
    low, high = min(wanted), max(wanted)
    if len(wanted) == 1:
        shape, bounds = "one", [low]
    elif len(wanted) >= DENSE * (high - low + 1):
        # Dense ids (a fan-out to everyone): a range, not thousands of IN values.
        shape, bounds = "range", [low, high]
    else:
        shape, bounds = f"in:{len(wanted)}", sorted(wanted)
    connection = connections[using]
    from notifications.models import Notification

    now = Notification._meta.get_field("expires").get_db_prep_value(timezone.now(), connection)
    counts: dict[int, Counts] = {user_id: {"unread": 0, "unseen": 0} for user_id in wanted}
    with connection.cursor() as cursor:
        cursor.execute(_statement(using, shape), [*bounds, now, *bounds, now])
        for user_id, kind, n in cursor.fetchall():
            if user_id in counts:
                counts[user_id]["unseen" if kind else "unread"] = n
    return counts


def user_counts(user: Any) -> Counts:
    """``{"unread": n, "unseen": m}`` for one user."""
    return badge_counts([user.pk])[user.pk]


@functools.lru_cache(maxsize=64)
def _statement(using: str, shape: str) -> str:
    from notifications.models import Notification

    connection = connections[using]
    quote = connection.ops.quote_name
    opts = Notification._meta
    table = quote(opts.db_table)
    fields: dict[str, Any] = {
        name: opts.get_field(name)
        for name in ("user", "readed", "seen", "archived", "snoozed_until", "expires")
    }
    column = {name: quote(field.column) for name, field in fields.items()}
    user, expires = column["user"], column["expires"]
    if shape == "one":
        users = f"{user} = %s"
    elif shape == "range":
        users = f"{user} BETWEEN %s AND %s"
    else:
        users = f"{user} IN ({', '.join(['%s'] * int(shape.split(':')[1]))})"
    live = (
        f"{column['archived']} IS NULL AND {column['snoozed_until']} IS NULL "
        f"AND ({expires} IS NULL OR {expires} > %s)"
    )
    halves = [
        f"SELECT {user}, {kind}, COUNT(*) FROM {table} "
        f"WHERE {users} AND {column[state]} IS NULL AND {live} GROUP BY {user}"
        for kind, state in ((0, "readed"), (1, "seen"))
    ]
    return " UNION ALL ".join(halves)
