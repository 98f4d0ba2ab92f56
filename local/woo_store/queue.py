"""The background delivery queue: WooCommerce's Action Scheduler group ``woocommerce-webhooks``.

``wc_webhook_process_delivery`` queues ``woocommerce_deliver_webhook_async(webhook_id, arg)``
and skips it when the same action is already pending ("only schedule one webhook every 10
minutes", ``wc-webhook-functions.php``). One runner delivers pending actions in order; an
action being delivered is no longer pending, so a change during a delivery queues another.
"""

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pending:
    webhook_id: int
    topic: str
    arg: int  # the hook's first argument: the resource id


class DeliveryQueue:
    def __init__(self, deliver: Callable[[Pending], None]) -> None:
        self._deliver = deliver
        self._cond = threading.Condition()
        self._queue: deque[Pending] = deque()
        self._busy = False
        self._held = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.errors: list[BaseException] = []  # a delivery that raised (a bug): kept, the runner goes on

    def add(self, item: Pending) -> bool:
        """Queue a delivery; False when the same one is already pending (WooCommerce's de-duplication)."""
        with self._cond:
            if item in self._queue:
                return False
            self._queue.append(item)
            if self._thread is None or not self._thread.is_alive():
                self._closed = False
                self._thread = threading.Thread(target=self._run, name="woo-store-webhooks", daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return True

    def pending(self) -> list[Pending]:
        with self._cond:
            return list(self._queue)

    def hold(self, held: bool) -> None:
        """Stop (or restart) the runner between deliveries, as a stalled WP-Cron would."""
        with self._cond:
            self._held = held
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Until nothing is pending or being delivered; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or (self._queue and not self._held))
                if self._closed:
                    return
                item = self._queue.popleft()
                self._busy = True
            try:
                self._deliver(item)
            except Exception as err:  # the runner must outlive one broken delivery, as Action Scheduler does
                self.errors.append(err)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
