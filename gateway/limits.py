"""Per-client limits: open sessions per IP and messages per minute (a sliding window)."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable


class ConnectionLimits:
    def __init__(self, per_ip: int, total: int):
        self.per_ip, self.total = per_ip, total
        self.open: dict[str, int] = defaultdict(int)

    def admit(self, ip: str) -> bool:
        if sum(self.open.values()) >= self.total or self.open[ip] >= self.per_ip:
            return False
        self.open[ip] += 1
        return True

    def release(self, ip: str) -> None:
        self.open[ip] -= 1
        if self.open[ip] <= 0:
            self.open.pop(ip, None)

    @property
    def active(self) -> int:
        return sum(self.open.values())


class MessageRate:
    """At most ``limit`` messages per ``window`` seconds per client IP."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        self.limit, self.window, self.clock = limit, window, clock
        self.seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, ip: str) -> bool:
        now = self.clock()
        times = self.seen[ip]
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True
