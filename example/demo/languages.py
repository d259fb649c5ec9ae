"""Each demo user's language: the hook the package asks (``NOTIFICATIONS["USER_LANGUAGE"]``)
and the switch that sets it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from demo.models import Reader


def user_language(user: Any) -> str | None:
    """The user's chosen language, or None (the package then uses the request's or
    LANGUAGE_CODE). A project would read a field of its user model: this runs per
    recipient when frames and emails are rendered."""
    reader = Reader.objects.filter(user_id=user.pk).only("language").first()
    return reader.language if reader else None


@login_required
@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """POST ``language`` (and ``next``): the user's notifications, pages and emails switch
    to it; the language cookie makes LocaleMiddleware render the pages in it too."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponse("Unknown language.", status=400, content_type="text/plain")
    Reader.objects.update_or_create(user=request.user, defaults={"language": language})
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response
