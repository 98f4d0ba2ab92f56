"""checkov on what CloudFormation deploys (the samtranslator output of template.yaml), against the
reviewed list of accepted findings (deploy/checkov-accepted.yaml), for ``make deploy-check``.

Fails on a finding nobody accepted, on an accepted entry that no longer matches a finding (the
list stays true), and on a template checkov could not parse.

``python -m deploy.checkov CHECKOV_BINARY [WORK_DIR]``
"""

import fnmatch
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from local.sam import ROOT, load

ACCEPTED = Path(__file__).with_name("checkov-accepted.yaml")


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str  # as checkov names it, e.g. AWS::SQS::Queue.OrdersQueue
    name: str = ""


@dataclass(frozen=True)
class Verdict:
    unaccepted: list[Finding]
    stale: list[str]  # accepted (check, pattern) that matched nothing


def accepted_list(path: Path = ACCEPTED) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text())
    for check, entry in entries.items():
        if not str(entry.get("reason", "")).strip() or not entry.get("resources"):
            raise ValueError(f"{path.name}: {check} needs resources and a reason")
    return entries


def judge(findings: list[Finding], accepted: dict[str, dict[str, Any]]) -> Verdict:
    used: set[tuple[str, str]] = set()
    unaccepted = []
    for finding in findings:
        patterns = accepted.get(finding.check, {}).get("resources", [])
        matched = [p for p in patterns if fnmatch.fnmatchcase(finding.resource, p)]
        used |= {(finding.check, p) for p in matched}
        if not matched:
            unaccepted.append(finding)
    stale = [f"{c} {p}" for c, e in accepted.items() for p in e["resources"] if (c, p) not in used]
    return Verdict(unaccepted, stale)


def run_checkov(checkov: str, work: Path) -> tuple[list[Finding], int]:
    work.mkdir(parents=True, exist_ok=True)
    deployed = work / "template.json"
    deployed.write_text(json.dumps(load().cloudformation, indent=1))
    result = subprocess.run(
        [checkov, "-f", str(deployed), "--framework", "cloudformation", "--quiet", "-o", "json", "--skip-download"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if not result.stdout.strip():
        raise RuntimeError(f"checkov gave no report (exit {result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = report.get("results", {}).get("failed_checks", [])
    findings = [Finding(f["check_id"], f["resource"], f.get("check_name", "")) for f in failed]
    return findings, int(report.get("summary", {}).get("parsing_errors", 0))


def main(argv: list[str]) -> int:
    checkov = argv[0]
    work = Path(argv[1]) if len(argv) > 1 else ROOT / ".aws-sam" / "checkov"
    findings, parsing_errors = run_checkov(checkov, work)
    verdict = judge(findings, accepted_list())
    print(f"checkov: {len(findings)} findings, {len(findings) - len(verdict.unaccepted)} accepted ({ACCEPTED.name})")
    for finding in verdict.unaccepted:
        print(f"  NOT ACCEPTED {finding.check} {finding.resource}: {finding.name}")
    for entry in verdict.stale:
        print(f"  STALE accepted entry, matches no finding: {entry}")
    if parsing_errors:
        print(f"  checkov could not parse the template ({parsing_errors} parsing errors)")
    return 1 if verdict.unaccepted or verdict.stale or parsing_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
