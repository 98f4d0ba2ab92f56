"""moto's server in a process of its own, for runs where the caller's process is busy itself.

moto's threaded server is pure Python: run in the process that also hosts the Xero sandbox, the
HTTP API and the queue pollers (as :mod:`local.stack` does by default), every AWS request of every
function competes with them for one interpreter lock. A backfill makes tens of thousands of AWS
requests, so on a 2-core machine that process, not the functions, set the pace (``make bench``:
bench/README.md, "What distorts the figures"). Here moto runs with :mod:`local.moto_ext`'s
changes in a child process started by ``spawn`` (never ``fork``: the parent has threads), answers
on 127.0.0.1 as before, and runs code of the parent's choosing inside it on request
(:meth:`MotoProcess.call`): what must touch moto's backends directly - detaching its queue
triggers, the benchmark's request meter - does so in the process that holds them.
"""

import contextlib
import importlib
import logging
import multiprocessing
import os
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

START_TIMEOUT = 120.0  # importing moto on a busy 2-core machine takes seconds, not minutes

# How long a thread of moto's process runs before the interpreter hands its lock to another
# (Python's default is 5 ms). moto's server runs a thread a connection, and its DynamoDB requests
# one at a time (local.moto_ext): a thread switched out mid-request holds that lock while the
# others wake, find it taken and sleep again (py-spy put a fifth of moto's samples on that lock
# in a backfill). A request takes 1-3 ms of CPU and a thread gives the interpreter up anyway when
# it waits on its socket. The 2,000-order backfill, twice each, one after the other: moto's CPU
# 63 s / 63 s at 50 ms against 65 s / 71 s at 5 ms, the whole run's 139-142 s against 149-159 s
# (the wall times were too disturbed by other work on the machine to compare).
SWITCH_INTERVAL = 0.05


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _orphaned(parent: int) -> None:
    """End this process once its parent is gone (killed, not stopped: no message comes then)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _serve(port: int, conn: Connection, setup: tuple[str, ...], quiet: tuple[str, ...]) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)  # this process is moto's alone
    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True, name="orphaned").start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call otherwise
    if quiet:
        pattern = f".*({'|'.join(quiet)}).*"
        warnings.filterwarnings("ignore", message=pattern)
        logging.getLogger("moto").addFilter(lambda record: not any(t in record.getMessage() for t in quiet))
    from local import moto_ext  # registers its CloudFormation models before moto caches its list

    for target in setup:  # before the first request: a meter must see every one
        _resolve(target)()
    server = moto_ext.start_moto(port)
    conn.send(("started", port))
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the parent is gone
                return
            if message is None:
                return
            target, args = message
            try:
                conn.send((True, _resolve(target)(*args)))
            except Exception as exc:  # the caller's error, raised there
                conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        server.stop()


class MotoProcess:
    """moto's server on 127.0.0.1:``port`` in a child process (see the module docstring).

    ``setup``: ``"module:function"`` names called in the child before moto serves (no arguments).
    ``quiet``: resource types whose "not deployed" warnings and log lines are dropped."""

    def __init__(self, port: int, *, setup: Sequence[str] = (), quiet: Sequence[str] = ()) -> None:
        self.port = port
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._lock = threading.Lock()
        self.process = context.Process(
            target=_serve, args=(port, child, tuple(setup), tuple(quiet)), name=f"moto-{port}", daemon=True
        )
        self.process.start()
        child.close()
        if not self._conn.poll(START_TIMEOUT):
            self.stop()
            raise RuntimeError(f"moto did not start on port {port} within {START_TIMEOUT:.0f} s")
        started = self._conn.recv()
        if started != ("started", port):
            self.stop()
            raise RuntimeError(f"moto did not start: {started!r}")

    def call(self, target: str, *args: Any) -> Any:
        """Run ``"module:function"(*args)`` inside the moto process; its result comes back pickled."""
        with self._lock:
            self._conn.send((target, args))
            ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(f"in the moto process, {target}: {value}")
        return value

    def stop(self) -> None:
        with self._lock, contextlib.suppress(BrokenPipeError, OSError):
            self._conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._conn.close()
