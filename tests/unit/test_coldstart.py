"""``cold_start`` (xerosync.coldstart): a handler module's import without the cyclic garbage
collector, what it leaves frozen, and the collector on again whatever happens."""

import gc
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT
from xerosync.coldstart import cold_start


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as it was, and nothing left frozen by the test, afterwards."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_inside_and_on_again_after(collector: None) -> None:
    # Given the collector on
    gc.enable()
    # When a block runs inside cold_start
    with cold_start():
        inside = gc.isenabled()
        survivor = [object() for _ in range(10)]
    # Then the collector was off inside, is on again, and what the block left is frozen
    assert inside is False
    assert gc.isenabled() is True
    assert gc.get_freeze_count() >= len(survivor)


def test_the_collector_is_on_again_when_the_import_fails(collector: None) -> None:
    # Given the collector on
    gc.enable()
    # When the block inside cold_start raises (an import that fails)
    with pytest.raises(ImportError), cold_start():
        raise ImportError("no module named nowhere")
    # Then the exception went through, and the collector is on
    assert gc.isenabled() is True


def test_a_collector_turned_off_before_stays_off(collector: None) -> None:
    # Given the collector off (a process that manages it itself)
    gc.disable()
    # When a block runs inside cold_start
    with cold_start():
        pass
    # Then cold_start leaves it off
    assert gc.isenabled() is False


def test_unreachable_objects_are_still_freed_at_once_inside() -> None:
    # Given an object without a reference cycle, referred to only by a weak reference
    import weakref

    class Thing:
        pass

    # When it loses its last reference inside cold_start
    with cold_start():
        thing = Thing()
        ref = weakref.ref(thing)
        del thing
        freed = ref() is None
    gc.unfreeze()
    # Then it was freed at once: only the collector of cycles is paused
    assert freed


@pytest.mark.parametrize("function", sorted(p.name for p in (ROOT / "functions").iterdir() if p.is_dir()))
def test_every_handler_module_imports_inside_cold_start(function: str) -> None:
    # Given a fresh interpreter laid out as Lambda lays out the function and the layer
    env = {
        "IDEMPOTENCY_TABLE": "idempotency",
        "MAPPINGS_TABLE": "mappings",
        "SYNC_LOG_TABLE": "sync-log",
        "ORDERS_QUEUE_URL": "https://sqs/orders",
        "CONTACTS_QUEUE_URL": "https://sqs/contacts",
        "ITEMS_QUEUE_URL": "https://sqs/items",
        "WEBHOOK_SECRET_ARN": "arn:secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONPATH": f"{ROOT / 'functions' / function}:{ROOT / 'shared'}",
    }
    probe = (
        "import gc\n"
        "collections = []\n"
        "gc.callbacks.append(lambda phase, info: collections.append(phase) if phase == 'start' else None)\n"
        "import app\n"
        "print(len(collections), gc.get_freeze_count(), gc.isenabled())\n"
    )
    # When its handler module is imported
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    collections, frozen, enabled = done.stdout.split()
    # Then the collector did not run during the import (only before cold_start, for the standard
    # library modules app.py imports first: without it, the ingress ran it 28 times, sync_orders 39),
    # what the import built is frozen, and the collector is on for the invocations
    assert (int(collections) < 5, int(frozen) > 10_000, enabled) == (True, True, "True")
