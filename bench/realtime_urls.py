"""No HTTP routes: the realtime benchmark only opens sockets."""

urlpatterns: list[object] = []
