"""The demo's own table: each user's language (a real project keeps it on its user model)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Reader(models.Model):
    """The language a demo user reads notifications in (the language switch saves it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="demo_reader",
    )
    language = models.CharField(max_length=16, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user} reads {self.language}"
