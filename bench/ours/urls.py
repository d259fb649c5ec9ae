"""Our endpoints, mounted as a user would: ``notifications/`` with include()."""

from django.urls import include, path

urlpatterns = [path("notifications/", include("notifications.urls"))]
