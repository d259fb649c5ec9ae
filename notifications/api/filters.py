"""Query parameters of the list: ``readed``, ``seen``, ``archived``, ``target``, ``after_id``
(catch-up cursor) and ``type``."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template import TemplateDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError

from notifications.api.openapi import (
    AFTER_ID_SCHEMA,
    ARCHIVED_SCHEMA,
    READED_SCHEMA,
    SEEN_SCHEMA,
    TARGET_SCHEMA,
    TYPE_NAME_SCHEMA,
    extend_schema_field,
)
from notifications.models import MAX_ID
from notifications.validation import parse_target_label

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?\Z")


class ReadedField(forms.CharField):
    """``true``, ``false`` or an ISO 8601 timestamp (naive means the project's TIME_ZONE)."""

    default_error_messages = {
        "invalid": _(
            "readed must be 'true', 'false' or a timestamp YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]."
        ),
        "range": _("readed is out of range."),
    }

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        if text == "true":
            return True
        if text == "false":
            return False
        if not TIMESTAMP.match(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            moment = datetime.datetime.fromisoformat(text)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            utc = moment.astimezone(datetime.UTC)
            # With USE_TZ = False the database holds naive local times.
            return utc if settings.USE_TZ else timezone.make_naive(utc)
        except ValueError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        except OverflowError as error:
            raise forms.ValidationError(self.error_messages["range"], code="range") from error


@extend_schema_field(READED_SCHEMA)
class ReadedFilter(django_filters.Filter):
    field_class = ReadedField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        if value is True or value is False:
            return qs.filter(readed__isnull=not value)
        return qs.filter(readed__gte=value)


class WordField(forms.CharField):
    """One of a few lowercase words (``""`` is the same as no parameter)."""

    words: tuple[str, ...] = ()
    name = ""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        if text not in self.words:
            choices = ", ".join(f"'{word}'" for word in self.words)
            raise forms.ValidationError(
                _("%(name)s must be one of %(choices)s.") % {"name": self.name, "choices": choices},
                code="invalid",
            )
        return text


class SeenField(WordField):
    words = ("true", "false")
    name = "seen"


class ArchivedField(WordField):
    words = ("false", "true", "all")
    name = "archived"


@extend_schema_field(SEEN_SCHEMA)
class SeenFilter(django_filters.Filter):
    field_class = SeenField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        return qs.filter(seen__isnull=value == "false")


@extend_schema_field(ARCHIVED_SCHEMA)
class ArchivedFilter(django_filters.Filter):
    """Called without a value too: the default list leaves archived notifications out."""

    field_class = ArchivedField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value == "all":
            return qs
        return qs.filter(archived__isnull=value != "true")


class TargetField(forms.CharField):
    """``app_label.model:pk``, resolved to (content type id, pk text) from Django's cache."""

    default_error_messages = {
        "invalid": _("target must look like 'app_label.model:pk', e.g. 'blog.post:7'."),
    }

    def __init__(self, **kwargs: Any) -> None:
        # The pk part is text as stored: " 7" is not "7" (and a schema-valid " " is no 400).
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        try:
            # No such model: (None, pk), and nothing is about it (an empty page).
            return parse_target_label(text)
        except ValueError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error


@extend_schema_field(TARGET_SCHEMA)
class TargetFilter(django_filters.Filter):
    field_class = TargetField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        content_type_id, object_id = value
        if content_type_id is None:
            return qs.none()
        about: QuerySet[Any] = qs.for_target_key(content_type_id, object_id)  # type: ignore[attr-defined]
        return about


@extend_schema_field(AFTER_ID_SCHEMA)
class AfterIdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=MAX_ID, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is None:
            return qs
        # A catch-up walks forward from the newest id the client saw.
        return qs.filter(pk__gt=value).order_by("pk")


@extend_schema_field(TYPE_NAME_SCHEMA)
class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    pass


class NotificationFilterBackend(DjangoFilterBackend):
    """The list's filters: :class:`NotificationFilterSet` read by :func:`list_query`.

    DjangoFilterBackend for what it describes (the OpenAPI parameters, the
    browsable API's form, left out when ``django_filters`` is not in
    INSTALLED_APPS); the request's parameters are parsed by :func:`list_query`
    with the filter set's own fields and filters, without a form per request.
    """

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        """``queryset`` filtered by the request's parameters (400 for a bad one)."""
        return list_query(request).apply(queryset)

    def to_html(self, request: Any, queryset: Any, view: Any) -> Any:
        try:
            return super().to_html(request, queryset, view)
        except TemplateDoesNotExist:
            return None


class ListQuery:
    """The list's parsed query parameters: ``{name: cleaned value}`` in the filter set's order.

    Only the parameters the request gave are kept (an empty one cleans to
    nothing, as the form did); ``archived`` is always there, since its filter
    leaves archived rows out when it is absent.
    """

    __slots__ = ("values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """``queryset`` through each filter of :class:`NotificationFilterSet`, in order."""
        filters = NotificationFilterSet.base_filters
        for name, value in self.values.items():
            queryset = filters[name].filter(queryset, value)
        return queryset


def list_query(request: Any) -> ListQuery:
    """Parse the list's query parameters as django-filter's form would, with its 400s.

    Each parameter is cleaned by the filter set's field (built once), so the
    values and the error messages are the form's: ``{"readed": ["..."]}``. A
    parameter given more than once is ambiguous: a 400, not "last one wins".
    """
    params = request.query_params
    filters = NotificationFilterSet.base_filters
    repeated = {
        name: ["Give this parameter at most once."]
        for name in filters
        if name in params and len(params.getlist(name)) > 1
    }
    if repeated:
        raise ValidationError(repeated)
    values: dict[str, Any] = {}
    errors: dict[str, list[ErrorDetail]] = {}
    for name, declared in filters.items():
        if name not in params and name != "archived":
            continue  # the field would clean the absence to None: the filter does nothing
        field = declared.field
        try:
            value = field.clean(field.widget.value_from_datadict(params, {}, name))
        except forms.ValidationError as error:
            errors[name] = [
                ErrorDetail(e.message % (e.params or ()), code=e.code) for e in error.error_list
            ]
            continue
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return ListQuery(values)


class NotificationFilterSet(django_filters.FilterSet):
    readed = ReadedFilter(
        help_text="'true': read only; 'false': unread only; a timestamp: read at or after it."
    )
    after_id = AfterIdFilter(
        help_text="Catch-up cursor: notifications with a greater id, oldest first."
    )
    type = CharInFilter(
        field_name="event__type__name", help_text="Comma-separated event type names."
    )
    seen = SeenFilter(help_text="'true': seen only; 'false': unseen only.")
    archived = ArchivedFilter(
        help_text="'true': archived only; 'all': both; default: archived ones left out."
    )
    target = TargetFilter(help_text="Only notifications about 'app_label.model:pk'.")
