"""The suite's parallel run (tests/parallel.py): a module, or a package that shares a package-scoped
fixture, runs whole in one worker; each worker keeps its own stacks' logs. The run tests start a
small suite of their own on two xdist workers, as `make test` starts this one."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from local.stack import LocalStack
from tests.conftest import ROOT
from tests.parallel import scope_of

CONFTEST = """
import tests.parallel
from tests.parallel import (
    pytest_cmdline_main, pytest_collection_modifyitems, pytest_xdist_auto_num_workers, pytest_xdist_make_scheduler,
)

tests.parallel.TOGETHER = {together!r}
"""
PACKAGE_FIXTURE = """
import os
import pytest

@pytest.fixture(scope="package")
def stack():
    with open(os.environ["BUILT"], "a") as built:  # one line each time the package's stack is built
        built.write(f"{os.getpid()}\\n")
    return {}
"""
# each test pauses PAUSE seconds (a distributed run: long enough for both workers to take work); the
# package's modules are the suite's largest, so xdist's own loadfile starts one on each worker
USES_STACK = "import os, time\n" + "".join(
    f"\ndef test_{n}(stack):\n    time.sleep(float(os.environ['PAUSE']))\n" for n in range(6)
)
# a module whose later tests read what its first one left, as the e2e modules' stacks do
ORDERED = """
import os, time
import pytest

@pytest.fixture(scope="module")
def stack():
    return {}

def test_first_run(stack):
    stack["reconciled"] = True

""" + "".join(
    f"""
def test_later_{n}(stack):
    time.sleep(float(os.environ["PAUSE"]))
    assert stack.get("reconciled"), "this module's first test ran on another worker's stack"
"""
    for n in range(4)
)
QUICK = "".join(
    f"\ndef test_quick_{n}():\n    import os, time; time.sleep(float(os.environ['PAUSE']))\n" for n in range(4)
)


def suite(root: Path, together: tuple[str, ...]) -> Path:
    files = {
        "suite/__init__.py": "",
        "suite/conftest.py": CONFTEST.format(together=together),
        "suite/console/__init__.py": "",
        "suite/console/conftest.py": PACKAGE_FIXTURE,
        "suite/console/test_a.py": USES_STACK,
        "suite/console/test_b.py": USES_STACK,
        "suite/console/test_c.py": USES_STACK,
        "suite/test_ordered.py": ORDERED,
        "suite/test_quick.py": QUICK,
        "suite/test_more.py": QUICK,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def run(root: Path, *args: str, pause: float = 0.0) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PAUSE": str(pause),
        "PYTHONPATH": os.pathsep.join([str(root), str(ROOT), str(ROOT / "shared")]),
        "BUILT": str(root / "built.txt"),
        "PYTEST_XDIST_AUTO_NUM_WORKERS": "2",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # xdist alone (-p below): each run starts three interpreters
    }
    env.pop("PYTEST_XDIST_WORKER", None)  # this test may itself run in a worker
    plugins = () if "no:xdist" in args else ("-p", "xdist.plugin")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *plugins,
            "--rootdir",
            str(root),
            *args,
            "suite",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_module_and_a_package_with_a_package_scoped_stack_each_run_whole_on_one_worker(tmp_path: Path) -> None:
    done = run(suite(tmp_path, ("suite/console",)), pause=0.05)  # -n auto (2 here) and our scheduler, by default
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "bringing up nodes" in done.stdout and "31 passed" in done.stdout
    assert len((tmp_path / "built.txt").read_text().split()) == 1  # the package's stack built once
    again = run(tmp_path, "-n", "2", pause=0.05)  # -n without --dist: ours too, not xdist's test-by-test "load"
    assert again.returncode == 0, again.stdout[-3000:]


def test_a_package_scoped_fixture_in_a_package_not_named_together_stops_the_run(tmp_path: Path) -> None:
    done = run(suite(tmp_path, ()), "-n", "0")
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]  # pytest's usage error
    assert "suite/console/test_a.py::test_0 (package suite/console)" in done.stderr


def test_serial_runs_stay_possible(tmp_path: Path) -> None:
    suite(tmp_path, ("suite/console",))
    for serial in (("-n", "0"), ("-p", "no:xdist")):
        done = run(tmp_path, *serial)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert "bringing up nodes" not in done.stdout and "31 passed" in done.stdout


def test_scope_is_the_module_or_a_package_named_together() -> None:
    assert (
        scope_of("tests/e2e/test_reconcile.py::test_setup_and_status_against_the_stack")
        == "tests/e2e/test_reconcile.py"
    )
    assert scope_of("tests/e2e/test_push.py::test_a[x::y]") == "tests/e2e/test_push.py"
    assert scope_of("tests/console/test_map.py::test_every_map_route") == "tests/console"
    assert scope_of("tests/consoles/test_x.py::test_y") == "tests/consoles/test_x.py"


def test_a_stacks_logs_go_where_xerosync_run_logs_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XEROSYNC_RUN_LOGS", str(tmp_path))
    assert LocalStack(stack_name="e2e-main").log_dir == tmp_path / "e2e-main"
    monkeypatch.delenv("XEROSYNC_RUN_LOGS")
    assert LocalStack(stack_name="e2e-main").log_dir == ROOT / "local" / ".run" / "logs" / "e2e-main"


def test_each_worker_keeps_its_stacks_logs_apart() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        pytest.skip("runs in one process: no other worker starts stacks")
    assert Path(os.environ["XEROSYNC_RUN_LOGS"]).name == worker
    assert LocalStack(stack_name="e2e-main").log_dir == Path(os.environ["XEROSYNC_RUN_LOGS"]) / "e2e-main"
