"""What `sam build` made, checked before anything is deployed (``make deploy-check``).

* Every native binary is an aarch64 ELF and every extension module is built for CPython 3.13
  (the functions run on Lambda's arm64 python3.13; an x86-64 wheel imports nowhere there).
* Every module of a layer has its byte-code beside it, valid whatever the file times
  (unchecked-hash): Lambda's /opt is read-only, so a module without it is compiled again on
  every cold start.
* Nothing the code never imports (setuptools) is shipped, and nothing a shipped package needs is
  missing (the layer is installed from the lock with --no-deps: the lock must be complete).
* botocore, shipped trimmed to the services the code calls, ships exactly those, decompressed,
  and creates each one's client (deploy/botocore_data.py).
* Each function with its layers stays under Lambda's 250 MB unzipped limit
  (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).

``python -m deploy.artefacts .aws-sam/build`` prints the sizes and exits 1 with the problems.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from deploy.botocore_data import check_botocore

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183
UNZIPPED_LIMIT = 250 * 1024 * 1024
NEVER_SHIPPED = ("setuptools", "pkg_resources", "_distutils_hack", "pip")
# declared but not needed there: setuptools (xero-python declares it, nothing imports it)
NOT_IN_LAYERS = {"setuptools"}
LAMBDA = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "extra": "",
}
EXTENSION = re.compile(r"\.(cpython-(\d+)-([a-z0-9_]+)-linux-gnu|abi3)\.so$")
SHOWN = 25
PYC_UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


@dataclass
class Report:
    sizes: dict[str, int] = field(default_factory=dict)  # function -> bytes with its layers
    binaries: int = 0
    modules: int = 0
    problems: list[str] = field(default_factory=list)


def elf_machine(path: Path) -> int | None:
    """The ELF e_machine of ``path``, or None when it is not an ELF file."""
    with path.open("rb") as f:
        header = f.read(20)
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        return None
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def check_binaries(root: Path, report: Report) -> None:
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        machine = elf_machine(path)
        if machine is not None:
            report.binaries += 1
            if machine != EM_AARCH64:
                report.problems.append(
                    f"{path.relative_to(root.parent)}: ELF machine {machine}, not aarch64 ({EM_AARCH64})"
                )
        tagged = EXTENSION.search(path.name)
        if tagged and tagged.group(2) and (tagged.group(2), tagged.group(3)) != ("313", "aarch64"):
            report.problems.append(
                f"{path.relative_to(root.parent)}: built for cpython-{tagged.group(2)}-{tagged.group(3)}"
            )


def check_bytecode(layer: Path, report: Report) -> None:
    for source in sorted(layer.rglob("*.py")):
        report.modules += 1
        compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        where = source.relative_to(layer.parent)
        if not compiled.exists():
            report.problems.append(f"{where}: no byte-code (compiled again on every cold start)")
            continue
        flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
        if flags != PYC_UNCHECKED_HASH:
            report.problems.append(f"{where}: byte-code checked against file times (flags {flags})")


def check_dependencies(layers: list[Path], report: Report) -> None:
    """Every requirement of every shipped distribution (for Lambda's arm64 python3.13) is shipped."""
    metadata = [m for layer in layers for m in (layer / "python").glob("*.dist-info/METADATA")]
    shipped = {canonicalize_name(m.parent.name.split("-")[0]) for m in metadata}
    for path in metadata:
        for line in path.read_text(errors="replace").splitlines():
            if not line.startswith("Requires-Dist:"):
                continue
            wanted = Requirement(line.removeprefix("Requires-Dist:").strip())
            if wanted.marker is not None and not wanted.marker.evaluate(LAMBDA):
                continue
            name = canonicalize_name(wanted.name)
            if name not in shipped and name not in NOT_IN_LAYERS:
                report.problems.append(f"{path.parent.name} needs {wanted.name}, which no layer ships")


def check(build: Path) -> Report:
    report = Report()
    template = yaml.safe_load((build / "template.yaml").read_text().replace("!", "_bang_"))
    resources = template["Resources"]
    layers = {k for k, v in resources.items() if v["Type"] == "AWS::Serverless::LayerVersion"}
    if not layers:
        report.problems.append("no layer in the built template")
    for name in sorted(layers):
        folder = build / name
        check_binaries(folder, report)
        check_bytecode(folder / "python", report)
        for package in NEVER_SHIPPED:
            if (folder / "python" / package).exists():
                report.problems.append(f"{name}: ships {package}, which nothing imports")
        report.problems.extend(check_botocore(folder / "python"))
    check_dependencies([build / name for name in sorted(layers)], report)
    layer_bytes = sum(size_of(build / name) for name in layers)
    for name, res in sorted(resources.items()):
        if res["Type"] == "AWS::Serverless::Function":
            check_binaries(build / name, report)
            report.sizes[name] = size_of(build / name) + layer_bytes
            if report.sizes[name] > UNZIPPED_LIMIT:
                report.problems.append(f"{name}: {report.sizes[name] / 2**20:.1f} MB with its layers, over 250 MB")
    if not report.sizes:
        report.problems.append("no function in the built template")
    return report


def main(argv: list[str]) -> int:
    build = Path(argv[0] if argv else ".aws-sam/build")
    report = check(build)
    largest = max(report.sizes.values(), default=0)
    print(
        f"built artefacts: {report.binaries} native binaries, {report.modules} layer modules, "
        f"largest function with its layers {largest / 2**20:.1f} MB of 250 MB"
    )
    for problem in report.problems[:SHOWN]:
        print(f"  PROBLEM {problem}")
    if len(report.problems) > SHOWN:
        print(f"  ... and {len(report.problems) - SHOWN} more")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
