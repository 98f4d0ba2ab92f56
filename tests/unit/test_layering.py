"""The layering contracts (pyproject.toml, ``[tool.importlinter]``; ``make lint`` runs them) name
every module they must, and fail when the layering is broken.

The failing half runs the real ``lint-imports`` on a throwaway package laid out like xerosync,
with the very contracts of pyproject.toml (the package's name swapped), once clean and once per
violation: a contract that could not fail would pass both.
"""

import json
import os
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "xerosync"
SOURCES = PACKAGE / "sources"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
FAKE = "fakesync"


def importlinter() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return config


def contract(contract_id: str) -> dict[str, Any]:
    [found] = [c for c in importlinter()["contracts"] if c["id"] == contract_id]
    return found


def adapter_packages() -> set[str]:
    """The store adapters under sources/: every package there (the port and registry are modules)."""
    return {f"xerosync.sources.{m.name}" for m in pkgutil.iter_modules([str(SOURCES)]) if m.ispkg}


def test_the_contracts_are_about_xerosync() -> None:
    assert importlinter()["root_package"] == "xerosync"
    assert {c["id"] for c in importlinter()["contracts"]} == {
        "core-knows-no-store",
        "sync-not-aws",
        "functions-not-console",
    }


def test_every_store_adapter_under_sources_is_forbidden_to_the_core() -> None:
    # a new adapter package under sources/ must be added to the contract, or this fails
    assert adapter_packages(), "no adapter found under shared/xerosync/sources"
    assert set(contract("core-knows-no-store")["forbidden_modules"]) == adapter_packages()


def test_every_module_but_the_sources_is_held_to_the_store_contract() -> None:
    # a new module of the core must be added to the contract too, or this fails
    core = {f"xerosync.{m.name}" for m in pkgutil.iter_modules([str(PACKAGE)]) if m.name != "sources"}
    assert set(contract("core-knows-no-store")["source_modules"]) == core


def test_sync_may_not_import_aws() -> None:
    found = contract("sync-not-aws")
    assert (found["type"], found["source_modules"], found["forbidden_modules"]) == (
        "forbidden",
        ["xerosync.sync"],
        ["xerosync.aws"],
    )


def test_nothing_the_functions_load_may_import_the_console() -> None:
    # every module but the console and the command line (which mints sign-in links; no function loads it)
    found = contract("functions-not-console")
    core = {f"xerosync.{m.name}" for m in pkgutil.iter_modules([str(PACKAGE)])}
    assert found["forbidden_modules"] == ["xerosync.console"]
    assert set(found["source_modules"]) == core - {"xerosync.console", "xerosync.cli", "xerosync.__main__"}


# --- the contracts fail on a violation ----------------------------------------------------------


def _write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fake_package(root: Path) -> None:
    """A package shaped like xerosync (each module the contracts name, as a module or a package
    as it is in xerosync), whose adapters import the core as real adapters do."""
    for module in contract("core-knows-no-store")["source_modules"]:
        name = module.removeprefix("xerosync.")
        if (PACKAGE / name).is_dir():
            _write(root / FAKE / name / "__init__.py")
            _write(root / FAKE / name / "inner.py")
        else:
            _write(root / FAKE / f"{name}.py")
    _write(root / FAKE / "__init__.py")
    _write(root / FAKE / "sources" / "__init__.py", "import importlib\n")
    _write(root / FAKE / "sources" / "port.py", f"from {FAKE} import domain\n")
    _write(root / FAKE / "sources" / "helper.py", f"from {FAKE}.sources.woocommerce import adapter\n")
    for adapter in adapter_packages():
        name = adapter.removeprefix("xerosync.sources.")
        _write(root / FAKE / "sources" / name / "__init__.py")
        _write(root / FAKE / "sources" / name / "adapter.py", f"from {FAKE} import domain, webhooks\n")
    lines = [f'[tool.importlinter]\nroot_package = "{FAKE}"\n']
    for each in importlinter()["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in each.items():
            swapped = json.loads(json.dumps(value).replace('"xerosync.', f'"{FAKE}.'))
            lines.append(f"{key} = {json.dumps(swapped)}")
        lines.append("")
    _write(root / "contracts.toml", "\n".join(lines))


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "contracts.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_contracts_pass_on_the_clean_layout(tmp_path: Path) -> None:
    fake_package(tmp_path)
    result = lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("importer", "statement", "broken"),
    [
        # a use case reading a store's payload itself
        ("sync/inner.py", f"from {FAKE}.sources.woocommerce import adapter", "core-knows-no-store"),
        # the domain knowing a store's words
        ("domain.py", f"import {FAKE}.sources.woocommerce", "core-knows-no-store"),
        # a Xero payload builder, indirectly: through a module of sources/ that imports an adapter
        ("xero/inner.py", f"from {FAKE}.sources import helper", "core-knows-no-store"),
        # an AWS adapter
        ("aws/inner.py", f"from {FAKE}.sources.woocommerce.adapter import *", "core-knows-no-store"),
        # a use case importing an AWS adapter (the sync log, say)
        ("sync/inner.py", f"from {FAKE}.aws import inner", "sync-not-aws"),
        # the jobs' wiring loading a console page (the reconcile function would then load it too)
        ("jobs.py", f"from {FAKE}.console import inner", "functions-not-console"),
    ],
)
def test_a_violation_breaks_its_contract(tmp_path: Path, importer: str, statement: str, broken: str) -> None:
    fake_package(tmp_path)
    _write(tmp_path / FAKE / importer, statement + "\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 kept, 1 broken" in result.stdout
    assert f"{contract(broken)['name']} BROKEN" in result.stdout
    offender = f"{FAKE}." + importer.removesuffix(".py").replace("/", ".")
    assert f"-   {offender} -> " in result.stdout  # the report names the offending import
