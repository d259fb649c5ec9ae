from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from demo.inbox import inbox, notification_settings
from demo.languages import switch_language
from demo.views import api_index, favicon, send_test_notification

urlpatterns = [
    path("", inbox, name="inbox"),
    path("settings/", notification_settings, name="settings"),
    path("api/", api_index, name="api_index"),
    path("api/notifications/", include("notifications.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's assets come from drf-spectacular-sidecar (settings.py): the docs
    # work with no network. (Not Redoc: its page loads Google Fonts and a CDN logo.)
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("demo/send", send_test_notification, name="demo_send"),
    path("demo/language", switch_language, name="demo_language"),
    path("favicon.ico", favicon, name="favicon"),
    path("api-auth/", include("rest_framework.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

# The demo runs under uvicorn without a static files server: serve them from
# the apps' static/ folders (never do this in production).
urlpatterns.append(re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}))
