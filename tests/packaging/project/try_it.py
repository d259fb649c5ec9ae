"""Run inside the new project: send a notification, list it, receive its push.

Prints one JSON line for the test to check.
"""

import asyncio
import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from mysite.asgi import application

import notifications
import notifications.routes
import notifications.routing
from notifications.helpers import send_notification
from notifications.models import EventType


def http_part(user, client):
    return {
        "seed": client.get("/notifications").json(),
        "include": client.get("/api/notifications/").json(),
        "filter": client.get("/notifications/filter").json(),
    }


async def main() -> dict:
    user = await sync_to_async(get_user_model().objects.create_user)("ann", password="pw")
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(application, "/ws/notifications", headers=[(b"cookie", cookie)])
    connected, _ = await socket.connect()
    assert connected, "socket refused"
    event = await sync_to_async(send_notification)(
        type="post_like", title="Bob liked your post", data={"post": 7}, users=[user]
    )
    frame = json.loads(await socket.receive_from(timeout=5))
    await socket.disconnect()
    report = await sync_to_async(http_part)(user, client)
    names = await sync_to_async(lambda: list(EventType.objects.values_list("name", flat=True)))()
    return {
        **report,
        "count": event.notifications_count,
        "frame": frame,
        "types": names,
        "package": os.path.dirname(notifications.__file__),
        "routes_alias": notifications.routes.websocket_urlpatterns
        is notifications.routing.websocket_urlpatterns,
    }


setup_test_environment()
print(json.dumps(asyncio.run(main())))
