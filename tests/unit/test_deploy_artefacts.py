"""The built-artefact check of `make deploy-check` (deploy/artefacts.py) refuses what would not
run, or run slowly, on Lambda's arm64 python3.13 (issue 19, item 14)."""

import py_compile
import shutil
from pathlib import Path

import pydantic_core

from deploy.artefacts import EM_AARCH64, check, elf_machine

TEMPLATE = """
Resources:
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: DepsLayer}
  SyncFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: SyncFunction, Layers: [!Ref DepsLayer]}
"""


def aarch64_elf() -> bytes:
    header = bytearray(64)
    header[:4] = b"\x7fELF"
    header[4], header[5] = 2, 1  # 64-bit, little-endian
    header[18:20] = EM_AARCH64.to_bytes(2, "little")
    return bytes(header)


def module(layer: Path, name: str, mode: py_compile.PycInvalidationMode | None) -> None:
    source = layer / "python" / f"{name}.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("VALUE = 1\n")
    if mode is not None:
        target = source.parent / "__pycache__" / f"{name}.cpython-313.pyc"
        py_compile.compile(str(source), cfile=str(target), invalidation_mode=mode, doraise=True)


def good_build(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "SyncFunction").mkdir()
    (tmp_path / "SyncFunction" / "app.py").write_text("def lambda_handler(e, c): ...\n")
    layer = tmp_path / "DepsLayer"
    module(layer, "fast", py_compile.PycInvalidationMode.UNCHECKED_HASH)
    native = layer / "python" / "ext" / "_speed.cpython-313-aarch64-linux-gnu.so"
    native.parent.mkdir()
    native.write_bytes(aarch64_elf())
    return tmp_path


def test_a_build_for_lambda_arm64_passes(tmp_path: Path) -> None:
    report = check(good_build(tmp_path))
    assert report.problems == []
    assert (report.binaries, report.modules) == (1, 1)
    assert report.sizes["SyncFunction"] > 0


def test_an_x86_64_binary_in_a_layer_fails(tmp_path: Path) -> None:
    build = good_build(tmp_path)
    x86 = Path(pydantic_core._pydantic_core.__file__)  # this machine's: a real x86-64 extension module
    assert elf_machine(x86) not in (None, EM_AARCH64)
    shutil.copy(x86, build / "DepsLayer" / "python" / "ext" / "_core.so")
    [problem] = check(build).problems
    assert problem.startswith("DepsLayer/python/ext/_core.so: ELF machine 62, not aarch64")


def test_an_extension_for_another_python_fails(tmp_path: Path) -> None:
    build = good_build(tmp_path)
    (build / "DepsLayer" / "python" / "ext" / "_old.cpython-312-aarch64-linux-gnu.so").write_bytes(aarch64_elf())
    [problem] = check(build).problems
    assert "built for cpython-312-aarch64" in problem


def test_a_module_without_byte_code_or_with_timestamp_byte_code_fails(tmp_path: Path) -> None:
    build = good_build(tmp_path)
    module(build / "DepsLayer", "slow", None)
    module(build / "DepsLayer", "stamped", py_compile.PycInvalidationMode.TIMESTAMP)
    problems = check(build).problems
    assert problems == [
        "python/slow.py: no byte-code (compiled again on every cold start)",
        "python/stamped.py: byte-code checked against file times (flags 0)",
    ]


def test_setuptools_in_a_layer_fails(tmp_path: Path) -> None:
    build = good_build(tmp_path)
    (build / "DepsLayer" / "python" / "setuptools").mkdir()
    assert check(build).problems == ["DepsLayer: ships setuptools, which nothing imports"]


def test_a_dependency_missing_from_the_lock_fails(tmp_path: Path) -> None:
    build = good_build(tmp_path)
    info = build / "DepsLayer" / "python" / "thing-1.0.dist-info"
    info.mkdir()
    info.joinpath("METADATA").write_text(
        "Name: thing\nRequires-Dist: missing-pkg>=1\nRequires-Dist: winonly; sys_platform == 'win32'\n"
        "Requires-Dist: setuptools>=75\nRequires-Dist: thing\n"
    )
    assert check(build).problems == ["thing-1.0.dist-info needs missing-pkg, which no layer ships"]
