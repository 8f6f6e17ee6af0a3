"""One process's view of a backing service that may be down: when to try it again, and when to
say so in the log.

Both caches use it: the session store's Redis (``backends.session_cache``, which falls back to
the database) and the default cache (``pixelunion.cache``, which falls back to a local cache).
After a failure the service is skipped for ``retry_after`` seconds, so a black-holed Redis does
not cost every request a connect timeout. A warning is logged when an outage starts, again at
most every ``warn_every`` seconds while it lasts (never, if None), and once when it is over.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class Breaker:
    def __init__(
        self,
        logger: logging.Logger,
        *,
        retry_after: Callable[[], float],
        back_message: str,
        warn_every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.retry_after = retry_after
        self.back_message = back_message
        self.warn_every = warn_every
        self.clock = clock
        self.healthy = True
        self.down_until = 0.0
        self.last_warning = -1e9

    def may_try(self) -> bool:
        """False while a recent failure says to leave the service alone."""
        return self.healthy or self.clock() >= self.down_until

    def failed(self, message: str, *args: object) -> None:
        """The service failed: skip it for a while; ``message % args`` is the warning."""
        now = self.clock()
        self.down_until = now + self.retry_after()
        repeat = self.warn_every is not None and now - self.last_warning > self.warn_every
        if self.healthy or repeat:
            self.last_warning = now
            self.logger.warning(message, *args)
        self.healthy = False

    def succeeded(self) -> None:
        if not self.healthy:
            self.healthy = True
            self.logger.warning(self.back_message)
