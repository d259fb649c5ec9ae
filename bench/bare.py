"""The bare limit of the list: an ASGI handler with no Django, ``uvicorn bench.bare:app``.

The yardstick of the read path (issue 24): what one uvicorn worker can serve
when nothing stands between HTTP and PostgreSQL but psycopg's async pool. It
answers ``GET /notifications/?readed=false|true&limit=&offset=`` exactly as the
package does on the bench's settings (``TIME_ZONE = "UTC"``, limit/offset,
page size 20): it authenticates a DRF token with one query (the token joined
to its active user), counts the page's rows and reads them with the package's
SQL, and renders the same JSON, byte for byte. Anything else answers 404;
a missing or unknown token 401.

psycopg prepares a statement after its fifth execution on a connection
(``prepare_threshold``, its default): the limit includes that.

Environment: ``BENCH_DB`` (database), ``PGHOST``/``PGPORT``/``PGUSER``.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any
from urllib.parse import parse_qsl, urlencode

from psycopg_pool import AsyncConnectionPool

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

AUTH = (
    "SELECT u.id FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id"
    " WHERE t.key = %s AND u.is_active"
)
# The page's filter: the user's live (unexpired), unarchived rows, plus ``readed``.
WHERE = "n.user_id = %s AND (n.expires IS NULL OR n.expires > %s) AND n.archived IS NULL"
READED = {"": "", "false": " AND n.readed IS NULL", "true": " AND n.readed IS NOT NULL"}
COUNT = "SELECT COUNT(*) FROM notifications_notification n WHERE " + WHERE
PAGE = (
    "SELECT n.id, n.user_id, n.readed, n.seen, n.archived, n.group, n.count, n.authors,"
    " e.id, e.timestamp, e.author_id, e.title, e.message, e.data, e.target_type_id,"
    " e.target_id, e.expires, t.id, t.name, t.title, t.description, e.url, a.username"
    " FROM notifications_notification n"
    " JOIN notifications_event e ON e.id = n.event_id"
    " JOIN notifications_eventtype t ON t.id = e.type_id"
    " LEFT JOIN auth_user a ON a.id = e.author_id"
    " WHERE {where} ORDER BY n.delivered DESC, n.id DESC LIMIT %s OFFSET %s"
)

pool = AsyncConnectionPool(
    " ".join(
        [
            f"dbname={os.environ.get('BENCH_DB', 'bench_ours_list')}",
            f"host={os.environ.get('PGHOST', '127.0.0.1')}",
            f"port={os.environ.get('PGPORT', '5432')}",
            f"user={os.environ.get('PGUSER', 'postgres')}",
            "options='-c TimeZone=UTC'",
        ]
    ),
    min_size=2,
    max_size=10,
    kwargs={"autocommit": True},
    open=False,
)
content_types: dict[int, str] = {}


def when(value: datetime.datetime | None) -> str | None:
    """A timestamp as DRF renders it in UTC: ISO 8601, ``Z`` for ``+00:00``."""
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


async def target(conn: Any, type_id: int | None, object_id: str | None) -> Any:
    if type_id is None or object_id is None:
        return None
    if type_id not in content_types:
        cursor = await conn.execute(
            "SELECT app_label || '.' || model FROM django_content_type WHERE id = %s", [type_id]
        )
        content_types[type_id] = (await cursor.fetchone())[0]
    return {"type": content_types[type_id], "id": object_id}


async def row_json(conn: Any, row: tuple[Any, ...]) -> dict[str, Any]:
    (nid, user, readed, seen, archived, group, count, authors) = row[:8]
    (eid, timestamp, author, title, message, data, type_id, object_id, expires) = row[8:17]
    (tid, tname, ttitle, tdescription, url, username) = row[17:]
    if authors is None:
        authors = [] if author is None else [{"id": author, "name": username}]
    return {
        "id": nid,
        "user": user,
        "readed": when(readed),
        "event": {
            "id": eid,
            "timestamp": when(timestamp),
            "author": author,
            "type": {"id": tid, "name": tname, "title": ttitle, "description": tdescription},
            "title": title,
            "message": message,
            "data": data,
            "target": await target(conn, type_id, object_id),
            "expires": when(expires),
            "url": url,
        },
        "seen": when(seen),
        "archived": when(archived),
        "group": group,
        "count": count,
        "authors": authors,
    }


def number(text: str | None, default: int, cap: int | None = None) -> int:
    """DRF's ``_positive_int``: anything unusable is the default."""
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    if value < 0 or (value == 0 and cap is not None):
        return default
    return min(value, cap) if cap is not None else value


def link(url: str, query: list[tuple[str, str]], limit: int, offset: int) -> str:
    """DRF's ``replace_query_param`` twice: sorted parameters, ``offset`` left out at 0."""
    params = {key: [value] for key, value in query}
    params["limit"] = [str(limit)]
    if offset > 0:
        params["offset"] = [str(offset)]
    else:
        params.pop("offset", None)
    return f"{url}?{urlencode(sorted(params.items()), doseq=True)}"


async def page(scope: dict[str, Any]) -> tuple[int, bytes]:
    headers = dict(scope["headers"])
    scheme, _, key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    query = parse_qsl(scope["query_string"].decode(), keep_blank_values=True)
    params = dict(query)
    readed = params.get("readed", "")
    if scheme.lower() != "token" or not key or readed not in READED:
        return 401, b'{"detail":"Authentication credentials were not provided."}'
    limit = number(params.get("limit"), PAGE_SIZE, MAX_PAGE_SIZE)
    offset = number(params.get("offset"), 0)
    where = WHERE + READED[readed]
    now = datetime.datetime.now(datetime.UTC)
    async with pool.connection() as conn:
        found = await (await conn.execute(AUTH, [key])).fetchone()
        if found is None:
            return 401, b'{"detail":"Invalid token."}'
        user = found[0]
        count = (await (await conn.execute(COUNT + READED[readed], [user, now])).fetchone())[0]
        cursor = await conn.execute(PAGE.format(where=where), [user, now, limit, offset])
        rows = [await row_json(conn, row) for row in await cursor.fetchall()]
    url = f"http://{headers.get(b'host', b'').decode('latin-1')}{scope['path']}"
    body = {
        "count": count,
        "next": link(url, query, limit, offset + limit) if offset + limit < count else None,
        "previous": None if offset <= 0 else link(url, query, limit, max(offset - limit, 0)),
        "results": rows,
    }
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return 200, text.encode()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The ASGI entry point (HTTP and lifespan)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await pool.open(wait=True)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] != "/notifications/" or scope["method"] != "GET":
        status, body = 404, b'{"detail":"Not found."}'
    else:
        status, body = await page(scope)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
