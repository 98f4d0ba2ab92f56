"""The DepsLayer is installed from a lock of every package, transitive ones included, each pinned
and hashed (issue 19, item 13); `make lock` writes it from requirements.in."""

import re
from pathlib import Path

from local.sam import ROOT

DEPS = ROOT / "layers" / "deps"


def entries(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of each requirement of a pip requirements file."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    found = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})*)", line)
        assert match, f"{path.name}: not pinned exactly: {line[:80]}"
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        found[name] = (match.group(2), re.findall(r"sha256:([0-9a-f]{64})", match.group(3)))
    return found


def test_every_package_in_the_lock_is_pinned_and_hashed() -> None:
    lock = entries(DEPS / "requirements.txt")
    assert len(lock) >= 15  # the direct dependencies and theirs
    for name, (_, hashes) in lock.items():
        assert hashes, f"{name} has no hash"
    assert "setuptools" not in lock


def test_the_layer_pins_the_boto3_and_botocore_the_tests_run_on() -> None:
    # the layer ships its own (trimmed: layers/deps/trim_botocore.py), first on Lambda's path
    lock = entries(DEPS / "requirements.txt")
    dev = {
        name: pin.split("==")[1].strip()
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        for name in ("boto3", "botocore")
        if (pin := line.split("#", 1)[0]).startswith(f"{name}==")
    }
    assert dev.keys() == {"boto3", "botocore"}
    for name, version in dev.items():
        assert lock[name][0] == version, f"layer {name} {lock[name][0]}, tests {version}"


def test_the_lock_pins_what_requirements_in_asks_for() -> None:
    direct = entries(DEPS / "requirements.in")
    lock = entries(DEPS / "requirements.txt")
    for name, (version, _) in direct.items():
        assert lock[name][0] == version, name
    assert direct["urllib3"][0] == "2.8.0"  # xero-python calls HTTPResponse.getheaders(); 2.6.0 broke it


def test_the_layer_is_built_from_the_lock_by_hash_without_resolving() -> None:
    recipe = (ROOT / "layers" / "Makefile").read_text()
    build = recipe.split("build-DepsLayer:", 1)[1].split("build-", 1)[0]
    for flag in ("--require-hashes", "--no-deps", "-r requirements.txt", "$(PIP_TARGET)"):
        assert flag in build, flag
    assert "--platform manylinux2014_aarch64" in recipe and "--invalidation-mode unchecked-hash" in recipe
