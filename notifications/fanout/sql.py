"""The one statement that writes notifications: ``INSERT ... SELECT`` from the audience.

Each chunk of recipients is inserted by the database itself, with the users'
filters applied in the same statement and duplicates skipped by the
one-per-user constraint, so a retried chunk inserts nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models
from django.db.models import Exists, OuterRef, Value
from django.db.models.constants import OnConflict

from notifications.models import Event, ExcludedEventType, Notification


def recipients(event: Event, users: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """``users`` minus those whose filter excludes the event's type."""
    excluded = ExcludedEventType.objects.filter(user_id=OuterRef("pk"), event_type_id=event.type_id)
    return users.order_by().exclude(Exists(excluded))


def insert_sql(
    event: Event, users: models.QuerySet[Any], using: str = "default"
) -> tuple[str, Any]:
    """The ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` of one chunk, and its params."""
    connection = connections[using]
    select = (
        recipients(event, users)
        .annotate(notification_event_id=Value(event.pk, output_field=models.BigIntegerField()))
        .values_list("pk", "notification_event_id")
    )
    select_sql, params = select.query.get_compiler(using=using).as_sql()
    opts = Notification._meta
    fields: list[Any] = [opts.get_field("user"), opts.get_field("event")]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, [], [])
    return f"{insert} {quote(opts.db_table)} ({columns}) {select_sql} {suffix}", params


def insert_notifications(event: Event, users: models.QuerySet[Any], using: str = "default") -> int:
    """Insert one unread notification of ``event`` per user in ``users``; return how many.

    Users who already have one for this event are skipped (``ON CONFLICT DO
    NOTHING`` or the backend's equivalent).
    """
    sql, params = insert_sql(event, users, using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        inserted: int = cursor.rowcount
    return max(inserted, 0)
