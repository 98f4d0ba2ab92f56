"""How pytest-xdist spreads the suite over the machine's cores (the hooks are tests/conftest.py's).

A plain ``pytest`` runs on ``-n auto`` workers (the cores, at most MAX_WORKERS); ``-n 0``, ``-p no:xdist``,
``-s``, ``--pdb``, ``--trace`` and ``--collect-only`` run in this process as before.

Most of the suite's time is in stacks a module builds once (module-scoped fixtures: the local stack,
the Xero sandbox, a store simulator) whose later tests read what the earlier ones left: the
reconciliation's job state, the store's webhook failure counts, the function logs under
local/.run/logs/<stack>. Such a module must run whole, in order, in one worker: split over two, each
worker builds its own stack of the same name and the tests that land on the second find a stack on
which the earlier tests never ran ("last reconciliation: never", a webhook failure count of 0).
A package whose tests share a package-scoped fixture (tests/console: one stack for the package) must
run whole in one worker too: a worker that left it and came back would build its stack a second time,
which moto (one per process, whatever the port) refuses ("Stack console already exists").

So the unit a worker is sent is a module, or a package of TOGETHER (:func:`scope_of`), by a
scheduler of our own. xdist's ``--dist load`` (its default) sends tests one by one, and its
``loadgroup`` does too with pytest 9.2: it marks a group by rewriting ``item._nodeid``, which pytest
9.2 no longer reads (``Node.nodeid`` is ``str(item._id)``), so every ``xdist_group`` mark is lost.
"""

import os
from typing import Any

import pytest

MAX_WORKERS = 4  # each worker runs whole local stacks (moto, function workers, simulators) at once
# packages whose tests share a package-scoped fixture: each runs whole in one worker (checked at
# collection: a package-scoped fixture elsewhere stops the run until its package is named here)
TOGETHER = ("tests/console",)
OURS = ("loadfile", "loadgroup")  # the --dist modes our scheduler serves (loadfile: the default here)


def worker_count() -> int:
    """``-n auto``: PYTEST_XDIST_AUTO_NUM_WORKERS if set, else the cores this process may use,
    at most MAX_WORKERS."""
    wanted = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if wanted:
        return max(0, int(wanted))
    return max(1, min(MAX_WORKERS, os.process_cpu_count() or 1))


def scope_of(nodeid: str) -> str:
    """What runs whole on one worker: the package of TOGETHER the test is in, else its module."""
    path = nodeid.split("::", 1)[0]
    for package in TOGETHER:
        if path.startswith(package.rstrip("/") + "/"):
            return package
    return path


def shared_package(item: pytest.Item) -> str | None:
    """The package of a package-scoped fixture ``item`` uses, if any."""
    info = getattr(item, "_fixtureinfo", None)
    found = {
        definitions[-1].baseid
        for definitions in (info.name2fixturedefs.values() if info is not None else ())
        if definitions and definitions[-1].scope == "package"
    }
    return min(found) if found else None


def unlisted(items: list[pytest.Item]) -> list[str]:
    """Tests that use a package-scoped fixture of a package TOGETHER does not name."""
    return [
        f"{item.nodeid} (package {package})"
        for item in items
        if (package := shared_package(item)) is not None and scope_of(item.nodeid) != package
    ]


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> object:
    """Before xdist reads them: ``-n auto`` unless the command line chose, and our scheduler
    (``--dist loadfile``) for any ``-n`` given without a ``--dist``."""
    if hasattr(config.option, "numprocesses") and not hasattr(config, "workerinput"):  # xdist, not a worker
        option = config.option
        serial = option.usepdb or option.trace or option.collectonly or option.capture == "no"
        if option.numprocesses is None and not serial:
            option.numprocesses = "auto"
        if option.numprocesses and option.dist == "no":
            option.dist = "loadfile"
    return (yield)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    return worker_count()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.option.dist not in OURS:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Together(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's loadscope, its scope a module or a package of TOGETHER."""

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return Together(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    wrong = unlisted(items)
    if wrong:
        raise pytest.UsageError(
            "tests use a package-scoped fixture of a package tests/parallel.py's TOGETHER does not name "
            "(its tests would be split over the workers): " + "; ".join(wrong[:5])
        )
