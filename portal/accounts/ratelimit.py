"""Rate limits on a moving window, stored where `settings.ratelimit_url` says (the `limits` library).

    limit = RateLimit("5/15 minutes", storage_url=settings.ratelimit_url, namespace="login-account")
    allowed, retry_after = limit.hit(email)

`memory://` (default) keeps counts in the process; `redis://host:port/db` shares them between workers.
Keys in Redis start with `settings.ratelimit_key_prefix` (PORTAL_RATELIMIT_PREFIX, by default derived from
the database URL): the workers of one portal share counts, two portals on one Redis never do.
If Redis cannot be reached, the limiter logs a warning and falls back to in-process memory for the
rest of the process's life instead of failing the request (limits are then per worker, not shared).

Keep one limiter per app (see `for_app`), so each test app starts with fresh counts.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("portal.ratelimit")


class RateLimit:
    """`hit(key) -> (allowed, retry_after_seconds)`; retry_after is 0 when allowed."""

    def __init__(
        self, limit: str, *, storage_url: str = "memory://", namespace: str = "portal", key_prefix: str = "portal-rl"
    ) -> None:
        self.item = parse(limit)  # e.g. "5/15 minutes", "20 per 15 minutes"
        self.namespace = namespace
        self.storage_url = storage_url or "memory://"
        self._lock = threading.Lock()
        self.key_prefix = key_prefix
        options = {"key_prefix": key_prefix} if self.storage_url.startswith(("redis", "rediss")) else {}
        self.storage = storage_from_string(self.storage_url, **options)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.fallback = False

    def _fall_back(self, err: Exception) -> None:
        with self._lock:
            if self.fallback:
                return
            log.warning(
                "rate-limit storage %s unavailable (%s): falling back to in-process memory",
                self.storage_url.split("@")[-1],
                err.__class__.__name__,
            )
            self.storage = MemoryStorage()
            self.limiter = MovingWindowRateLimiter(self.storage)
            self.fallback = True

    def hit(self, key: str) -> tuple[bool, int]:
        try:
            return self._hit(key)
        except Exception as err:
            if self.fallback:
                raise
            self._fall_back(err)
            return self._hit(key)

    def check(self, key: str) -> tuple[bool, int]:
        """Whether one more hit would be allowed, without counting one."""
        try:
            allowed = self.limiter.test(self.item, self.namespace, key)
        except Exception as err:
            if self.fallback:
                raise
            self._fall_back(err)
            allowed = self.limiter.test(self.item, self.namespace, key)
        if allowed:
            return True, 0
        stats = self.limiter.get_window_stats(self.item, self.namespace, key)
        return False, max(1, math.ceil(stats.reset_time - time.time()))

    def _hit(self, key: str) -> tuple[bool, int]:
        if self.limiter.hit(self.item, self.namespace, key):
            return True, 0
        stats = self.limiter.get_window_stats(self.item, self.namespace, key)
        return False, max(1, math.ceil(stats.reset_time - time.time()))

    def clear(self, key: str) -> None:
        try:
            self.limiter.clear(self.item, self.namespace, key)
        except Exception as err:
            log.warning("rate-limit clear failed: %s", err.__class__.__name__)


def for_app(app, name: str, limit: str) -> RateLimit:
    """The app's limiter called `name`, created on first use from `app.state.settings.ratelimit_url` (keys
    prefixed with `ratelimit_key_prefix`)."""
    registry = getattr(app.state, "ratelimits", None)
    if registry is None:
        registry = {}
        app.state.ratelimits = registry
    limiter = registry.get(name)
    if limiter is None:
        settings = app.state.settings
        limiter = RateLimit(
            limit, storage_url=settings.ratelimit_url, namespace=name, key_prefix=settings.ratelimit_key_prefix
        )
        registry[name] = limiter
    return limiter
