"""The one statement that writes notifications: ``INSERT ... SELECT`` from the audience.

Each chunk of recipients is inserted by the database itself, with the users'
filters applied in the same statement and duplicates skipped by the
one-per-user constraint, so a retried chunk inserts nothing twice.

Skipping costs: ``ON CONFLICT DO NOTHING`` makes every row a speculative
insertion, measured at 1.37x a plain insert into the same table. A brand-new
event written in this transaction has no rows anyone else can see, so a chunk
that cannot name a user twice (a query on the user table alone) is inserted
plainly; the unique index still stands guard and would raise, never duplicate.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Exists, OuterRef, Value
from django.db.models.constants import OnConflict

from notifications.models import Event, ExcludedEventType, Notification


def recipients(event: Event, users: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """``users`` minus those whose filter excludes the event's type."""
    excluded = ExcludedEventType.objects.filter(user_id=OuterRef("pk"), event_type_id=event.type_id)
    return users.order_by().exclude(Exists(excluded))


def names_users_once(users: models.QuerySet[Any]) -> bool:
    """True when ``users`` cannot yield a user twice: it reads the user table alone.

    A join (``groups__name=...``) or extra tables can repeat a user; when in
    doubt, False.
    """
    query = users.query
    return (
        users.model is get_user_model()
        and len(query.alias_map) <= 1
        and not query.extra_tables
        and not query.combinator
    )


def insert_sql(
    event: Event, users: models.QuerySet[Any], using: str = "default", *, skip_existing: bool = True
) -> tuple[str, Any]:
    """The ``INSERT ... SELECT`` of one chunk (``ON CONFLICT DO NOTHING``), and its params.

    ``skip_existing=False`` leaves the conflict clause out: only for a new event
    of this transaction and users that :func:`names_users_once`.
    """
    connection = connections[using]
    select = (
        recipients(event, users)
        .annotate(notification_event_id=Value(event.pk, output_field=models.BigIntegerField()))
        .values_list("pk", "notification_event_id")
    )
    # Raises EmptyResultSet for an audience that is empty by construction (.none()).
    select_sql, params = select.query.get_compiler(using=using).as_sql()
    opts = Notification._meta
    fields: list[Any] = [opts.get_field("user"), opts.get_field("event")]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    on_conflict = OnConflict.IGNORE if skip_existing else None
    insert = connection.ops.insert_statement(on_conflict=on_conflict)
    suffix = connection.ops.on_conflict_suffix_sql(fields, on_conflict, [], [])
    return f"{insert} {quote(opts.db_table)} ({columns}) {select_sql} {suffix}", params


def insert_notifications(
    event: Event, users: models.QuerySet[Any], using: str = "default", *, fresh: bool = False
) -> int:
    """Insert one unread notification of ``event`` per user in ``users``; return how many.

    Users who already have one for this event are skipped (``ON CONFLICT DO
    NOTHING`` or the backend's equivalent). ``fresh=True`` says none of ``users``
    can have one yet (an event created in this transaction, chunks that never
    overlap), so a chunk that names each user once skips the conflict handling.
    """
    skip_existing = not (fresh and names_users_once(users))
    try:
        sql, params = insert_sql(event, users, using, skip_existing=skip_existing)
    except EmptyResultSet:  # e.g. users=User.objects.none(): nothing to insert
        return 0
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        inserted: int = cursor.rowcount
    return max(inserted, 0)


def insert_notifications_returning(
    event: Event, users: models.QuerySet[Any], using: str = "default"
) -> list[int]:
    """Like :func:`insert_notifications`, but return the ids of the users it created rows for.

    Uses ``RETURNING`` where the database has it (PostgreSQL, SQLite >= 3.35,
    MariaDB); elsewhere reads which users already had a row first, which a
    concurrent insert of the same users can fool (then a push may repeat).
    """
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:
        users = users.exclude(pk__in=Notification.objects.filter(event=event).values("user_id"))
        ids = list(recipients(event, users).values_list("pk", flat=True))
        insert_notifications(event, _user_model(users).filter(pk__in=ids), using)
        return ids
    try:
        sql, params = insert_sql(event, users, using)
    except EmptyResultSet:
        return []
    column = connection.ops.quote_name(Notification._meta.get_field("user").column)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {column}", params)
        return [row[0] for row in cursor.fetchall()]


def _user_model(users: models.QuerySet[Any]) -> models.QuerySet[Any]:
    every: models.QuerySet[Any] = users.model._default_manager.all()
    return every
