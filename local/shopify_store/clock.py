"""The shop's time: an injectable base clock, sped up by ``scale`` and moved by ``advance``.

Token lifetimes (24 h), the cost bucket's restore rate and the webhook retry schedule (8 retries
over 4 h) all run on it, so a test or a drill compresses hours into seconds with ``scale`` (3600:
an hour a second), or jumps with ``advance``. Waiters (the webhook dispatcher) are woken when the
clock is moved, so an advance makes due retries go at once.
"""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ShopClock:
    def __init__(self, base: Clock = system_clock, scale: float = 1.0) -> None:
        self.base = base
        self._scale = float(scale)
        self._origin_base = base()
        self._origin = self._origin_base
        self.offset = timedelta()
        self.pinned: datetime | None = None
        self.changed = threading.Condition()

    @property
    def scale(self) -> float:
        return self._scale

    @scale.setter
    def scale(self, value: float) -> None:
        """Change the speed from now on (the shop's time does not jump)."""
        with self.changed:
            now = self()
            self._origin_base, self._origin, self.offset = self.base(), now, timedelta()
            self._scale = float(value)
            self.changed.notify_all()

    def __call__(self) -> datetime:
        if self.pinned is not None:
            return self.pinned
        elapsed = self.base() - self._origin_base
        return self._origin + elapsed * self._scale + self.offset

    def advance(self, seconds: float) -> datetime:
        with self.changed:
            self.offset += timedelta(seconds=seconds)
            self.changed.notify_all()
        return self()

    def pin(self, when: datetime | None) -> None:
        """Stop the clock at ``when`` (the history generator writes the past); None lets it run again."""
        with self.changed:
            self.pinned = when
            self.changed.notify_all()

    def real_seconds(self, shop_seconds: float) -> float:
        """How long the wall clock takes for ``shop_seconds`` of the shop's time."""
        return max(0.0, shop_seconds / self._scale)
