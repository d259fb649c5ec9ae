"""The Django project our side of the benchmark runs in (PostgreSQL pool + channels_redis)."""
