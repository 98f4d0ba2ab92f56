"""The time the sync paces Xero calls by.

Always the wall clock in AWS. Simulations (the benchmark's day of Xero quota in minutes) set
``XEROSYNC_TIME_SCALE`` and ``XEROSYNC_TIME_EPOCH`` for every process - the Xero sandbox
included - so that all of them agree on a faster clock; nothing else differs.

The one module besides :mod:`xerosync.environment` that reads ``os.environ``, and on every
call rather than once: a simulation sets these two variables in a process that has already
imported xerosync (the benchmark's harness sets its clock after importing it, and tests
speed the clock up for one test), and the Xero sandbox, which shares this clock, is not a
function with an environment object. They are not settings of a deployed stack.
"""

import os
import time


def now() -> float:
    scale = float(os.environ.get("XEROSYNC_TIME_SCALE", "1") or 1)
    if scale == 1:
        return time.time()
    epoch = float(os.environ.get("XEROSYNC_TIME_EPOCH", "0") or 0)
    return epoch + (time.time() - epoch) * scale


def scale() -> float:
    return float(os.environ.get("XEROSYNC_TIME_SCALE", "1") or 1)
