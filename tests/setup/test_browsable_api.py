"""The browsable API renders the list without ``django_filters`` in INSTALLED_APPS."""

from django.conf import settings


def test_list_renders_as_html_without_django_filters_app(ann_client, ann) -> None:
    assert "django_filters" not in settings.INSTALLED_APPS
    response = ann_client.get("/notifications", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"<html" in response.content
