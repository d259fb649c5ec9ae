"""A project configured only as API.md shows (no CHANNEL_LAYERS), run in a subprocess."""

import asyncio
import json

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="x",
    USE_TZ=True,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "rest_framework",
        "channels",
        "notifications",
    ],
    REST_FRAMEWORK={
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
        "PAGE_SIZE": 20,
    },
    EVENTS=[{"name": "post_like", "title": "Post liking", "description": None}],
)
django.setup()

from asgiref.sync import sync_to_async  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from channels.testing import WebsocketCommunicator  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

import notifications.routing  # noqa: E402
from notifications.helpers import send_notification  # noqa: E402


async def main() -> None:
    await sync_to_async(call_command)("migrate", verbosity=0)
    user = await sync_to_async(get_user_model().objects.create_user)("ann", password="pw")
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    app = AuthMiddlewareStack(URLRouter(notifications.routing.websocket_urlpatterns))
    socket = WebsocketCommunicator(app, "/ws/notifications", headers=[(b"cookie", cookie)])
    connected, _ = await socket.connect()
    assert connected, "socket refused"
    await sync_to_async(send_notification)("post_like", "Hi", None, [user])
    frame = json.loads(await socket.receive_from(timeout=5))
    await socket.disconnect()
    print(json.dumps(frame))


asyncio.run(main())
