"""Settings of the peer (django-notifications-hq 1.8.3 on Django 4.2), run from bench/peer."""

from shared import django_settings

# Django 4.2 has no connection pool; CONN_MAX_AGE=0 is its safe setting under ASGI.
globals().update(
    django_settings(urlconf="peer_urls", apps=["notifications"], database="bench_peer")
)
