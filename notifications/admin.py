"""Admin registrations: browse types, events and notifications without N+1 queries."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications.models import Event, EventType, ExcludedEventType, Notification


def _user_search_field(prefix: str) -> str:
    return f"{prefix}__{get_user_model().USERNAME_FIELD}"


class ReadStateFilter(admin.SimpleListFilter):
    title = "read state"
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Read"), ("no", "Unread")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in {"yes", "no"}:
            return queryset.filter(readed__isnull=self.value() == "no")
        return queryset


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["name", "title"]
    readonly_fields = ["name", "is_active", "position"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Types are declared in settings.EVENTS and created by migrate.
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "title", "author", "timestamp", "notifications_count"]
    list_filter = ["type", "timestamp"]
    list_select_related = ["type", "author"]
    search_fields = ["title", "type__name", "key"]
    raw_id_fields = ["author"]
    date_hierarchy = "timestamp"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "event", "readed"]
    list_filter = [ReadStateFilter, "event__type"]
    list_select_related = ["user", "event", "event__type"]
    raw_id_fields = ["user", "event"]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [_user_search_field("user"), "event__type__name", "event__title"]


@admin.register(ExcludedEventType)
class ExcludedEventTypeAdmin(admin.ModelAdmin):
    list_display = ["user", "event_type"]
    list_filter = ["event_type"]
    list_select_related = ["user", "event_type"]
    raw_id_fields = ["user"]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [_user_search_field("user"), "event_type__name"]
