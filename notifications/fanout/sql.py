"""The one statement that writes notifications: ``INSERT ... SELECT`` from the audience.

Each chunk of recipients is inserted by the database itself, with the users'
filters applied in the same statement and duplicates skipped by the
one-per-user constraint, so a retried chunk inserts nothing twice.

A grouped event (``send_notification(group=...)``) uses ``INSERT ... SELECT
... ON CONFLICT ... DO UPDATE`` against the partial unique index of open
groups (``notifications_open_group``): a recipient who has an unread,
unarchived row of the same type and group gets that row updated (count + 1,
the new event, its author first in ``authors``, unseen again, moved to the
top); everyone else gets a new row. PostgreSQL and SQLite >= 3.35 only.
Its rows are written in user order, so concurrent grouped sends to the same
users take their row locks in one order and cannot deadlock.

Skipping costs: ``ON CONFLICT DO NOTHING`` makes every row a speculative
insertion, dearer than a plain insert into the same table (``bench/``). A brand-new
event written in this transaction has no rows anyone else can see, so a chunk
that cannot name a user twice (a query on the user table alone) is inserted
plainly; the unique index still stands guard and would raise, never duplicate.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Exists, OuterRef, Value
from django.db.models.constants import OnConflict
from django.utils import timezone

from notifications.conf import notifications_settings
from notifications.event_types import required_names
from notifications.exceptions import NotificationsImproperlyConfigured
from notifications.frames import NewRow, new_rows
from notifications.models import (
    Event,
    ExcludedEventType,
    Notification,
    ScheduledRecipient,
    ScheduledSend,
    Subscription,
)
from notifications.payloads import author_payload

GROUPING_VENDORS = {"postgresql", "sqlite"}


def recipients(event: Event, users: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """``users`` minus those whose filter excludes the event's type (unless it is required)
    and, for an event about a target, minus those who muted that target now."""
    chosen = users.order_by()
    if event.type.name not in required_names():
        excluded = ExcludedEventType.objects.filter(
            user_id=OuterRef("pk"), event_type_id=event.type_id
        )
        chosen = chosen.exclude(Exists(excluded))
    if event.target_type_id is not None:
        muted = Subscription.objects.about(event.target_type_id, event.target_id).muted()
        chosen = chosen.exclude(Exists(muted.filter(user_id=OuterRef("pk"))))
    return chosen


def _constants(event: Event) -> dict[str, tuple[Any, models.Field[Any, Any]]]:
    """The columns every new row of ``event`` gets, beside ``user``: value and field."""
    opts = Notification._meta
    columns: dict[str, tuple[Any, models.Field[Any, Any]]] = {
        "event": (event.pk, models.BigIntegerField()),
        "delivered": (timezone.now(), opts.get_field("delivered")),
        "count": (1, models.IntegerField()),
    }
    if event.expires is not None:  # else the column's NULL (an untyped NULL breaks DISTINCT)
        columns["expires"] = (event.expires, opts.get_field("expires"))
    if event.group is not None:
        cap = notifications_settings.GROUP_AUTHORS
        authors = [] if event.author_id is None or cap < 1 else [author_payload(event.author)]
        columns["group"] = (event.group, opts.get_field("group"))
        columns["group_type"] = (event.type_id, models.BigIntegerField())
        columns["authors"] = (authors, opts.get_field("authors"))
    return columns


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
    """The ``INSERT ... SELECT`` of one chunk and its params.

    ``ON CONFLICT DO NOTHING``, or ``DO UPDATE`` folding a grouped event into open rows.

    ``skip_existing=False`` leaves the conflict clause out (a grouped event keeps
    its fold but drops the guard against folding twice): only for a new event
    of this transaction and users that :func:`names_users_once`.
    """
    connection = connections[using]
    grouped = event.group is not None
    if grouped and connection.vendor not in GROUPING_VENDORS:
        raise NotificationsImproperlyConfigured(
            f"Grouped notifications need PostgreSQL or SQLite >= 3.35, not {connection.vendor}."
        )
    constants = _constants(event)
    chosen = recipients(event, users)
    if grouped and skip_existing:
        # A retried chunk, or a user named twice, must not fold the same event in twice.
        done = Notification.objects.filter(event_id=event.pk, user_id=OuterRef("pk"))
        chosen = chosen.exclude(Exists(done))
    select = chosen.annotate(
        **{
            f"notification_{name}": Value(value, output_field=field)
            for name, (value, field) in constants.items()
        }
    ).values_list("pk", *(f"notification_{name}" for name in constants))
    if grouped:
        # Rows are folded (and locked) in the order the SELECT yields them: by the
        # conflict key's user in every transaction, so two grouped sends never wait
        # on each other in a cycle ("deadlock detected"), whatever plan each one gets.
        select = select.order_by("pk")
    # Raises EmptyResultSet for an audience that is empty by construction (.none()).
    select_sql, params = select.query.get_compiler(using=using).as_sql()
    opts = Notification._meta
    fields: list[Any] = [opts.get_field("user"), *(opts.get_field(name) for name in constants)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    table = quote(opts.db_table)
    if grouped:
        insert, suffix = "INSERT INTO", _fold_sql(connection.vendor, table, quote)
    else:
        on_conflict = OnConflict.IGNORE if skip_existing else None
        insert = connection.ops.insert_statement(on_conflict=on_conflict)
        unique = [opts.get_field("user"), opts.get_field("event")]
        suffix = connection.ops.on_conflict_suffix_sql(unique, on_conflict, [], [])
    return f"{insert} {table} ({columns}) {select_sql} {suffix}", params


def _fold_sql(vendor: str, table: str, quote: Any) -> str:
    """``ON CONFLICT (open group) DO UPDATE``: fold the new event into the open row."""
    q = {name: quote(name) for name in ("user_id", "group_type_id", "group", "readed", "archived")}
    keep = max(notifications_settings.GROUP_AUTHORS - 1, 0)
    authors = f"{table}.{quote('authors')}"
    if vendor == "postgresql":
        # The new author first, then the row's others (without them), capped.
        merged = (
            f"CASE WHEN jsonb_array_length(EXCLUDED.authors) = 0 THEN {authors} "
            f"ELSE EXCLUDED.authors || COALESCE((SELECT jsonb_agg(kept.x ORDER BY kept.o) "
            f"FROM (SELECT e.x, e.o FROM jsonb_array_elements(COALESCE({authors}, '[]'::jsonb)) "
            f"WITH ORDINALITY AS e(x, o) WHERE e.x -> 'id' <> EXCLUDED.authors -> 0 -> 'id' "
            f"ORDER BY e.o LIMIT {keep}) AS kept), '[]'::jsonb) END"
        )
    else:
        merged = (
            f"CASE WHEN json_array_length(excluded.authors) = 0 THEN {authors} "
            f"ELSE (SELECT json_group_array(json(merged.v)) FROM ("
            f"SELECT v FROM (SELECT json_extract(excluded.authors, '$[0]') AS v, -1 AS k "
            f"UNION ALL SELECT * FROM (SELECT value AS v, key AS k "
            f"FROM json_each(COALESCE({authors}, '[]')) "
            f"WHERE json_extract(value, '$.id') IS NOT json_extract(excluded.authors, '$[0].id') "
            f"ORDER BY key LIMIT {keep})) ORDER BY k) AS merged) END"
        )
    return (
        f"ON CONFLICT ({q['user_id']}, {q['group_type_id']}, {q['group']}) "
        # SQLite matches a partial index by comparing expressions: the same
        # terms in the same order as the index (Django sorts the Q's keywords).
        f"WHERE ({q['archived']} IS NULL AND {q['group']} IS NOT NULL AND {q['readed']} IS NULL) "
        f"DO UPDATE SET event_id = EXCLUDED.event_id, delivered = EXCLUDED.delivered, "
        f"expires = EXCLUDED.expires, seen = NULL, "
        f"{quote('count')} = {table}.{quote('count')} + 1, authors = {merged}"
    )


def insert_notifications(
    event: Event, users: models.QuerySet[Any], using: str = "default", *, fresh: bool = False
) -> int:
    """Insert one unread notification of ``event`` per user in ``users``; return how many.

    Users who already have one for this event are skipped (``ON CONFLICT DO
    NOTHING`` or the backend's equivalent). ``fresh=True`` says none of ``users``
    can have one yet (an event created in this transaction, chunks that never
    overlap), so a chunk that names each user once skips the conflict handling.
    For a grouped event the count includes the open rows the event folded into.
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
) -> list[NewRow]:
    """Like :func:`insert_notifications`, but return the rows it wrote (or folded into).

    Uses ``RETURNING`` where the database has it (PostgreSQL, SQLite >= 3.35,
    MariaDB); elsewhere reads which users already had a row first, which a
    concurrent insert of the same users can fool (then a push may repeat).
    """
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert and event.group is None:
        users = users.exclude(pk__in=Notification.objects.filter(event=event).values("user_id"))
        ids = list(recipients(event, users).values_list("pk", flat=True))
        insert_notifications(event, _user_model(users).filter(pk__in=ids), using)
        return new_rows(event.pk, ids, None, using)
    try:
        sql, params = insert_sql(event, users, using)
    except EmptyResultSet:
        return []
    fields: list[Any] = [
        Notification._meta.get_field(n) for n in ("id", "user", "count", "authors")
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {columns}", params)
        # New and folded rows are unread (``readed`` None); a raw cursor gives JSON as text.
        found = [
            NewRow(
                pk=pk,
                user_id=user_id,
                readed=None,
                folded=count,
                authors=json.loads(stored) if isinstance(stored, str) else stored,
            )
            for pk, user_id, count, stored in cursor.fetchall()
        ]
    return sorted(found, key=lambda row: row.user_id)


def _user_model(users: models.QuerySet[Any]) -> models.QuerySet[Any]:
    every: models.QuerySet[Any] = users.model._default_manager.all()
    return every


def insert_scheduled_recipients(
    send: ScheduledSend, users: models.QuerySet[Any], using: str = "default"
) -> int:
    """Store ``users`` as recipients of the scheduled ``send``, in SQL; return how many.

    One ``INSERT ... SELECT`` per call, so no id travels through Python; a user
    named twice is stored once (``ON CONFLICT DO NOTHING``).
    """
    connection = connections[using]
    select = users.order_by().annotate(
        notification_scheduled_send=Value(send.pk, output_field=models.BigIntegerField())
    )
    chosen = select.values_list("pk", "notification_scheduled_send")
    try:
        select_sql, params = chosen.query.get_compiler(using=using).as_sql()
    except EmptyResultSet:
        return 0
    opts = ScheduledRecipient._meta
    fields: list[Any] = [opts.get_field("user"), opts.get_field("send")]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, [], [])
    with connection.cursor() as cursor:
        cursor.execute(f"{insert} {quote(opts.db_table)} ({columns}) {select_sql} {suffix}", params)
        inserted: int = cursor.rowcount
    return max(inserted, 0)


def insert_event_for_one(
    fields: dict[str, Any], user_id: Any, using: str = "default"
) -> tuple[Event, list[NewRow]] | None:
    """Write an ungrouped event, its notification for one user and its count in one statement.

    The single-recipient send on PostgreSQL: a data-modifying CTE inserts the
    Event (its ``notifications_count`` counted from the same recipient query),
    then the user's row unless the user does not exist, filters the type out or
    muted the target. The statement is built once per database. Returns the saved Event and
    the rows it wrote (none or one), or None where it does not apply (another
    database, a grouped event): the caller then takes the general path.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or fields.get("group") is not None:
        return None
    sql, columns = _one_statement(using)
    event = Event(**fields)
    values = [getattr(event, field.attname) for field in columns]
    delivered = timezone.now()  # also the moment a mute must still hold
    # A required type ignores the filter: no type id matches -1.
    filtered_type = -1 if fields["type"].name in required_names() else event.type_id
    params = [
        user_id,
        filtered_type,
        event.target_type_id,
        event.target_id,
        Subscription._meta.get_field("muted_until").get_db_prep_save(delivered, connection),
        *(
            field.get_db_prep_save(value, connection)
            for field, value in zip(columns, values, strict=True)
        ),
        Notification._meta.get_field("delivered").get_db_prep_save(delivered, connection),
        Notification._meta.get_field("expires").get_db_prep_save(event.expires, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        event_id, row_id, row_user, count, authors = cursor.fetchone()
    created = 0 if row_id is None else 1
    known = {field.attname: value for field, value in zip(columns, values, strict=True)}
    known[Event._meta.pk.attname] = event_id
    known["notifications_count"] = created
    concrete = Event._meta.concrete_fields
    saved = Event.from_db(
        using, [field.attname for field in concrete], [known[field.attname] for field in concrete]
    )
    saved.type = fields["type"]  # already loaded: the frames read it
    if fields.get("author") is not None:
        saved.author = fields["author"]
    if row_id is None:
        return saved, []
    stored = json.loads(authors) if isinstance(authors, str) else authors
    return saved, [NewRow(row_id, row_user, None, count, stored)]


@functools.lru_cache(maxsize=8)
def _one_statement(using: str) -> tuple[str, list[Any]]:
    """The CTE of :func:`insert_event_for_one` and the Event fields it binds, in order."""
    quote = connections[using].ops.quote_name
    event, row, excluded = Event._meta, Notification._meta, ExcludedEventType._meta
    mutes = Subscription._meta
    users = get_user_model()._meta
    columns = [
        field
        for field in event.concrete_fields
        if not field.primary_key and field.name != "notifications_count"
    ]

    def column(opts: Any, name: str) -> str:
        return quote(str(opts.get_field(name).column))

    user_pk = quote(str(users.pk.column))
    muted_at, muted_until = column(mutes, "muted_at"), column(mutes, "muted_until")
    written = [column(row, name) for name in ("user", "event", "delivered", "count", "expires")]
    returned = ", ".join(column(row, name) for name in ("id", "user", "count", "authors"))
    sql = (
        f"WITH r AS (SELECT u.{user_pk} AS id FROM {quote(users.db_table)} u "
        f"WHERE u.{user_pk} = %s AND NOT EXISTS (SELECT 1 FROM {quote(excluded.db_table)} x "
        f"WHERE x.{column(excluded, 'user')} = u.{user_pk} "
        f"AND x.{column(excluded, 'event_type')} = %s) "
        # A user who muted the event's target (none: NULL matches no row).
        f"AND NOT EXISTS (SELECT 1 FROM {quote(mutes.db_table)} m "
        f"WHERE m.{column(mutes, 'target_type')} = %s AND m.{column(mutes, 'target_id')} = %s "
        f"AND m.{column(mutes, 'user')} = u.{user_pk} AND m.{muted_at} IS NOT NULL "
        f"AND (m.{muted_until} IS NULL OR m.{muted_until} > %s))), "
        f"e AS (INSERT INTO {quote(event.db_table)} "
        f"({', '.join(quote(str(field.column)) for field in columns)}, "
        f"{column(event, 'notifications_count')}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}, (SELECT COUNT(*) FROM r)) "
        f"RETURNING {quote(str(event.pk.column))} AS id), "
        f"n AS (INSERT INTO {quote(row.db_table)} ({', '.join(written)}) "
        f"SELECT r.id, e.id, %s, 1, %s FROM r, e RETURNING {returned}) "
        f"SELECT e.id, n.* FROM e LEFT JOIN n ON TRUE"
    )
    return sql, columns
