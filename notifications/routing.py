"""WebSocket routes: ``URLRouter(notifications.routing.websocket_urlpatterns)``.

``notifications.routes`` is the same list under the name older docs used; the
package makes it available after importing either module (see
:mod:`notifications`).
"""

from django.urls import path

from notifications.realtime.consumer import NotificationsConsumer

websocket_urlpatterns = [
    path(
        "ws/notifications",
        NotificationsConsumer.as_asgi(),  # type: ignore[arg-type]  # an ASGI app, as Channels'
        name="notifications_socket",
    ),
]
