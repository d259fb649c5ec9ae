"""Form fields for text typed by people: the admin's send page and ``manage.py send_notification``.

Both refuse, as a form error, what the database cannot store or Python cannot
parse, so neither ever ends in a 500 or a traceback: NUL characters and lone
surrogates (PostgreSQL refuses both; SQLite's driver cannot encode the
second), and JSON nested too deeply to parse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.fields import InvalidJSONInput

from notifications.exceptions import InvalidNotification
from notifications.validation import check_storable

#: Form messages for the codes of :class:`InvalidNotification` (others show the error's text).
MESSAGES = {
    "nul": "Null characters are not allowed.",
    "surrogate": "Lone surrogate characters are not allowed.",
    "too_deep": "JSON nested too deeply.",
}


def form_message(error: InvalidNotification) -> str:
    """How a form or a command shows ``error``: chosen by its ``code``, never by its text."""
    message = MESSAGES.get(error.code)
    if message is not None:
        return message
    text = str(error)
    return f"{text[0].upper()}{text[1:]}."


def unstorable(value: Any) -> str | None:
    """Why ``value`` (a string or parsed JSON) cannot be stored, or None if it can
    (the service's one rule, :func:`notifications.validation.check_storable`)."""
    try:
        check_storable(value, "the value")
    except InvalidNotification as error:
        return form_message(error)
    return None


class StorableJSONField(forms.JSONField):
    """A JSON field that refuses unparsable nesting, NUL and lone surrogates as form errors."""

    default_error_messages = {"nested": "JSON nested too deeply."}

    def to_python(self, value: Any) -> Any:
        try:
            converted = super().to_python(value)
        except RecursionError as error:
            raise forms.ValidationError(self.error_messages["nested"], code="nested") from error
        problem = unstorable(converted)
        if problem is not None:
            raise forms.ValidationError(problem, code="unstorable")
        return converted

    def prepare_value(self, value: Any) -> Any:
        # No data is an empty box, not the text "null" (both mean None).
        return "" if value is None else super().prepare_value(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Redisplaying a refused value shows the text as typed: parsed and dumped
        # again, a lone surrogate could not even be encoded into the page.
        try:
            value = super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
        return InvalidJSONInput(data) if unstorable(value) else value
