"""Admin registrations: browse types, events and notifications without N+1 queries.

The Event admin adds a "Send a notification" page (``send/``) that calls
:func:`notifications.services.send_notification`.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import ngettext

from notifications.exceptions import InvalidNotification, NotificationsError
from notifications.forms import StorableJSONField, form_message
from notifications.models import (
    ChannelPreference,
    Delivery,
    Device,
    DigestState,
    Event,
    EventType,
    ExcludedEventType,
    Notification,
    PushSubscription,
    QuietHours,
    Subscription,
)
from notifications.services import send_notification


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


USER_ID = re.compile(r"[0-9]{1,18}")
#: Ids the "Chosen users" box takes at once; groups or "Everyone" reach more.
MAX_CHOSEN_USERS = 1000


def _group_model() -> Any:
    """The Group model if the user model has ``groups`` (PermissionsMixin), else None."""
    try:
        return get_user_model()._meta.get_field("groups").related_model
    except FieldDoesNotExist:
        return None


class UserIdsWidget(widgets.ManyToManyRawIdWidget):
    """The admin's raw-id picker (the magnifier), keeping the typed text as it is."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def format_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return value or ""


class SendNotificationForm(forms.Form):
    """What the admin's "Send a notification" page asks for."""

    EVERYONE, USERS, GROUPS = "everyone", "users", "groups"

    type = forms.ModelChoiceField(
        queryset=EventType.objects.none(), to_field_name="name", empty_label=None
    )
    title = forms.CharField(max_length=255)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # The metaclass moves declared fields off the class, so Form.data is untouched.
    data = StorableJSONField(  # type: ignore[assignment]
        required=False, help_text="Optional JSON sent with the notification."
    )
    audience = forms.ChoiceField(widget=forms.RadioSelect, initial=USERS)
    users = forms.CharField(
        required=False, help_text="User ids, separated by commas (the magnifier picks them)."
    )
    groups: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, required=False
    )
    key = forms.CharField(
        max_length=255,
        required=False,
        help_text="Optional idempotency key: sending again with the same type and key "
        "sends nothing.",
    )

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        type_field: Any = fields["type"]
        type_field.queryset = EventType.objects.sendable()
        # Any relation to the user model gives the picker its target; this one is ours.
        rel: Any = Notification._meta.get_field("user").remote_field
        fields["users"].widget = UserIdsWidget(rel, admin_site)
        audience: Any = fields["audience"]
        group_model = _group_model()
        if group_model is None:
            del fields["groups"]
            audience.choices = [(self.USERS, "Chosen users"), (self.EVERYONE, "Everyone")]
        else:
            groups: Any = fields["groups"]
            groups.queryset = group_model._default_manager.all()
            # Wrapped as the admin wraps its own relation fields: the selector's script
            # then builds inside the wrapper and the label stays before it.
            groups.widget = widgets.RelatedFieldWidgetWrapper(
                widgets.FilteredSelectMultiple("groups", is_stacked=False),
                cast(Any, get_user_model()._meta.get_field("groups").remote_field),
                admin_site,
                can_add_related=False,
            )
            audience.choices = [
                (self.USERS, "Chosen users"),
                (self.GROUPS, "Members of the chosen groups"),
                (self.EVERYONE, "Everyone"),
            ]

    def clean_users(self) -> list[int]:
        raw = self.cleaned_data["users"]
        parts = [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]
        if not all(USER_ID.fullmatch(part) for part in parts):
            raise forms.ValidationError("Enter user ids separated by commas.")
        if len(parts) > MAX_CHOSEN_USERS:
            raise forms.ValidationError(
                f"Enter at most {MAX_CHOSEN_USERS} user ids; choose groups or everyone for more."
            )
        ids = list(dict.fromkeys(int(part) for part in parts))
        known = set(
            get_user_model()._default_manager.filter(pk__in=ids).values_list("pk", flat=True)
        )
        unknown = [str(i) for i in ids if i not in known]
        if unknown:
            raise forms.ValidationError(f"No user with id {', '.join(unknown)}.")
        return ids

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        audience = cleaned.get("audience")
        if audience == self.USERS and "users" in cleaned and not cleaned["users"]:
            self.add_error("users", "Choose at least one user.")
        if audience == self.GROUPS and "groups" in cleaned and not cleaned["groups"]:
            self.add_error("groups", "Choose at least one group.")
        return cleaned

    def recipients(self) -> Any:
        """The ``users`` argument of ``send_notification`` (None: everyone)."""
        audience = self.cleaned_data["audience"]
        if audience == self.EVERYONE:
            return None
        if audience == self.USERS:
            return self.cleaned_data["users"]
        users = get_user_model()._default_manager
        # A subquery, not a join: a member of two chosen groups is listed once.
        members = users.filter(groups__in=self.cleaned_data["groups"]).values("pk")
        return users.filter(pk__in=members)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "type",
        "title",
        "author",
        "timestamp",
        "notifications_count",
        "group",
        "target_type",
        "target_id",
        "expires",
        "send_at",
    ]
    list_filter = [
        "type",
        "timestamp",
        ("send_at", admin.EmptyFieldListFilter),
        ("expires", admin.EmptyFieldListFilter),
        ("group", admin.EmptyFieldListFilter),
        "target_type",
    ]
    list_select_related = ["type", "author", "target_type"]
    search_fields = ["title", "type__name", "key", "group"]
    raw_id_fields = ["author"]
    # Written by send_notification: the count of rows it created and the idempotency key.
    readonly_fields = ["notifications_count", "key"]
    date_hierarchy = "timestamp"
    send_template = "admin/notifications/event/send.html"

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self) -> list[URLPattern]:
        send = path(
            "send/", self.admin_site.admin_view(self.send_view), name=self._url_name("send")
        )
        return [send, *super().get_urls()]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        # An Event without notifications means nothing: "Add" is the send page.
        send_url = reverse(f"admin:{self._url_name('send')}", current_app=self.admin_site.name)
        return HttpResponseRedirect(send_url)

    def send_view(self, request: HttpRequest) -> HttpResponse:
        """A form that sends a notification to chosen users, groups or everyone."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = SendNotificationForm(data, admin_site=self.admin_site)
        if form.is_valid() and self._send(request, form):
            # The changelist, as after Django's own "Save": an Event is not edited once sent.
            return HttpResponseRedirect(
                reverse(f"admin:{self._url_name('changelist')}", current_app=self.admin_site.name)
            )
        fieldsets = [(None, {"fields": list(form.fields)})]
        context = {
            **self.admin_site.each_context(request),
            "title": "Send a notification",
            "opts": self.opts,
            "form": form,
            "adminform": helpers.AdminForm(cast(Any, form), fieldsets, {}),
            "errors": helpers.AdminErrorList(cast(Any, form), []),
            "media": self.media + form.media,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, self.send_template, context)

    def _send(self, request: HttpRequest, form: SendNotificationForm) -> bool:
        """Send what the form holds and say so; False (and a form error) if the service refused."""
        values = form.cleaned_data
        event_type, key = values["type"], values["key"] or None
        try:
            event = send_notification(
                type=event_type.name,
                title=values["title"],
                data=values["data"],
                users=form.recipients(),
                message=values["message"] or None,
                author=request.user,
                key=key,
            )
        except NotificationsError as error:
            # Beside the field it names (``error.field``), in the words its ``code`` chooses.
            field = getattr(error, "field", None)
            problem = form_message(error) if isinstance(error, InvalidNotification) else str(error)
            form.add_error(field if field in form.fields else None, problem)
            return False
        if not event.created:
            self.message_user(
                request,
                f"An event of type {event_type.name} with key {key!r} exists: nothing was sent.",
                messages.WARNING,
            )
            return True
        count = event.notifications_count
        created = ngettext(
            "%(count)d notification created", "%(count)d notifications created", count
        ) % {"count": count}
        self.message_user(request, f"Sent event #{event.pk}: {created}.", messages.SUCCESS)
        return True


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "event",
        "readed",
        "seen",
        "archived",
        "snoozed_until",
        "group",
        "count",
    ]
    list_filter = [
        ReadStateFilter,
        ("seen", admin.EmptyFieldListFilter),
        ("archived", admin.EmptyFieldListFilter),
        ("snoozed_until", admin.EmptyFieldListFilter),
        ("group", admin.EmptyFieldListFilter),
        "event__type",
    ]
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


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Who follows or muted which object (docs/watchers.md)."""

    list_display = ["user", "target_type", "target_id", "subscribed", "muted_at", "muted_until"]
    list_filter = [
        "subscribed",
        ("muted_at", admin.EmptyFieldListFilter),
        "target_type",
    ]
    list_select_related = ["user", "target_type"]
    raw_id_fields = ["user"]
    date_hierarchy = "created"

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [_user_search_field("user"), "target_id"]


# --- Delivery channels ---


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What happened to each notification on each channel (read-only)."""

    list_display = [
        "notification",
        "channel",
        "status",
        "reason",
        "condition",
        "next_attempt_at",
        "attempts",
        "digest",
        "updated",
    ]
    list_filter = ["channel", "status", "digest"]
    list_select_related = ["notification"]
    search_fields = ["=notification__id", "error", "reason"]
    raw_id_fields = ["notification"]
    date_hierarchy = "created"
    readonly_fields = [
        "notification",
        "channel",
        "status",
        "reason",
        "error",
        "attempts",
        "digest",
        "condition",
        "next_attempt_at",
        "claim",
        "created",
        "updated",
        "sent_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "event_type", "channel", "enabled"]
    list_filter = ["channel", "enabled", "event_type"]
    list_select_related = ["user", "event_type"]
    raw_id_fields = ["user"]
    search_fields = [_user_search_field("user")]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "endpoint", "created"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = [_user_search_field("user"), "endpoint"]
    readonly_fields = ["endpoint", "p256dh", "auth", "created"]


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    """Users' quiet hours (the time zone is validated as on REST)."""

    list_display = ["user", "enabled", "start", "end", "time_zone"]
    list_filter = ["enabled"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = [_user_search_field("user"), "time_zone"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "platform", "token", "created"]
    list_filter = ["platform"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = [_user_search_field("user"), "token"]
    readonly_fields = ["token", "platform", "created"]


@admin.register(DigestState)
class DigestStateAdmin(admin.ModelAdmin):
    list_display = ["user", "event_type", "last_sent_at"]
    list_filter = ["event_type"]
    list_select_related = ["user", "event_type"]
    raw_id_fields = ["user"]
