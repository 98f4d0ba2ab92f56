"""A handler module's import (Lambda's init phase) without the cyclic garbage collector.

Importing a sync function's handler allocates some 80,000 objects the collector tracks (modules,
classes, functions, botocore's models and handlers), nearly all of which live as long as the
process. While they are allocated, CPython's collector runs every 2,000 new objects and traverses
the young ones each time, and every tenth time the older ones too: 39 collections during
sync_orders' import (28 for the ingress), 18-25 ms of CPU at load ~3, which find about 400
objects of garbage; boto3's own import, inside the handler's, accounts for about 27 of them and
17 ms (bench/README.md, "Import time from the built artefacts"). ``cold_start`` pauses it for
the import, then moves what the import left to the permanent generation (``gc.freeze``,
https://docs.python.org/3/library/gc.html#gc.freeze: the documentation gives it, with
``gc.disable`` early, for a process that forks; here it serves start-up), so that no later collection
traverses those objects either, and turns it on again: the invocations' collections see only what
the invocations allocate. The import's few hundred garbage objects stay allocated instead of
being collected.

Only the collector of reference cycles is paused: an object no longer referred to is freed at
once as always. Whatever the import raises, the collector is on again afterwards.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cold_start() -> Iterator[None]:
    """Import a handler module's dependencies (and build what it builds at import) inside this."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
