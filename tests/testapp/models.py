"""A custom user model (email login, no username), used by the services leg."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models


class MemberManager(BaseUserManager):
    def create_user(self, email, password=None, **extra):  # type: ignore[no-untyped-def]
        member = self.model(email=self.normalize_email(email), **extra)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def create_superuser(self, email, password=None, **extra):  # type: ignore[no-untyped-def]
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class Member(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)

    objects = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        # Only installed as a model when it is the AUTH_USER_MODEL (like auth.User).
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.email
