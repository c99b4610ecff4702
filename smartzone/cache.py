"""The cache of the rate limits: Redis, but a Redis outage must not stop a report or an SOS.

A lost connection reads as "no count" and writes as "not written"; with RATELIMIT_FAIL_OPEN
django-ratelimit then lets the request through (unlimited while Redis is away) instead of
refusing it.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class FailOpenRedisCache(RedisCache):
    def _unavailable(self, exc: RedisError) -> None:
        log.warning("rate-limit cache unavailable, not limiting: %s", exc)

    def add(self, *args, **kwargs):
        try:
            return super().add(*args, **kwargs)
        except RedisError as exc:
            self._unavailable(exc)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            self._unavailable(exc)
            return None

    def incr(self, *args, **kwargs):
        try:
            return super().incr(*args, **kwargs)
        except RedisError as exc:
            self._unavailable(exc)
            raise ValueError("rate-limit cache unavailable") from exc
