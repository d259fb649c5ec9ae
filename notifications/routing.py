"""WebSocket routes: ``URLRouter(notifications.routing.websocket_urlpatterns)``."""

from django.urls import path

from notifications.consumers import NotificationsConsumer

websocket_urlpatterns = [
    path(
        "ws/notifications",
        NotificationsConsumer.as_asgi(),  # type: ignore[arg-type]  # an ASGI app, as Channels'
        name="notifications_socket",
    ),
]

# The seed README imports this module and then uses `notifications.routes`:
# importing either module makes both available.
from notifications import routes as _routes  # noqa: E402,F401
