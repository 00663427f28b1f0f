"""The sign-in rate for the whole process, over every account and address.

The per-account lockout (``inbox.core.passwords.locked_until``) stops guessing one
password; this stops a flood of sign-ins with many addresses or many accounts
from keeping the password hasher, and so the server, busy.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class SignInRate:
    """At most ``per_minute`` attempts in any 60 seconds; thread-safe."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._attempts: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self) -> int | None:
        """Count one attempt and return None, or (refused) the seconds until one is allowed."""
        with self._lock:
            now = self.clock()
            while self._attempts and now - self._attempts[0] >= WINDOW_SECONDS:
                self._attempts.popleft()
            if len(self._attempts) >= self.per_minute:
                return max(1, math.ceil(self._attempts[0] + WINDOW_SECONDS - now))
            self._attempts.append(now)
            return None
