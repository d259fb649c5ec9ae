"""Benchmarks of django-rest-notifications against django-notifications-hq: ``python -m bench``."""
