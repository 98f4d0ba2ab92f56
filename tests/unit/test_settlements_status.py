"""``xerosync status``: the settlements job's last run as the job state keeps it and the CLI
prints it - when, how it ended, what it posted, and each parked settlement with its difference."""

from datetime import UTC, datetime

from xerosync.cli.stack_commands import settlements_status
from xerosync.settlement_job import SHOWN, last_run
from xerosync.sync.base import Outcome
from xerosync.sync.settlements import PollReport

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
PARKED = (
    "Payout 7 (2026-03-01): the Xero document would total 41.80 USD, the deposit is 41.90 USD (0.10 apart): not posted"
)


HELD = "Amazon settlement 6 re-issued (report 62): its deposit is now 10.00 USD, Xero holds 12.00 (-2.00 apart)"


def report() -> PollReport:
    return PollReport(
        listed=5,
        outcomes=[
            Outcome("created", "payout:1", "inv-1"),
            Outcome("created", "payout:2", "inv-2"),
            Outcome("unchanged", "payout:3", "inv-3"),
            Outcome("deleted", "payout:4", "inv-4", reason="FAILED after posting"),
            Outcome("parked", "payout:7", reason=PARKED),
            Outcome("replaced", "settlement:8", "inv-8", reason="re-issued (report 61)"),
            Outcome("held", "settlement:6", "inv-6", reason=HELD),
        ],
        failed=[("payout:9", "XeroUnavailable: 503")],
    )


def test_the_last_run_names_each_parked_settlement_with_its_difference() -> None:
    run = last_run(report(), now=NOW, since=NOW.replace(day=1))
    lines = settlements_status(run)
    assert lines[0] == (
        "last settlements run: 2026-03-02T06:00:00+00:00: failed, 5 listed, 2 posted, 1 unchanged, 1 reversed, "
        "1 replaced, 1 held, 1 parked, 1 failed, 0 waiting"
    )
    assert f"  held settlement:6: {HELD}" in lines  # a re-issue Xero keeps as it was, with its difference
    assert f"  parked payout:7: {PARKED}" in lines and "(0.10 apart)" in PARKED
    assert "  failed payout:9: XeroUnavailable: 503" in lines
    assert not any("payout:1" in line for line in lines)  # what posted is counted, not listed


def test_a_clean_run_is_one_line_and_a_long_one_points_to_the_log() -> None:
    clean = PollReport(listed=2, outcomes=[Outcome("created", "payout:1", "x"), Outcome("created", "payout:2", "y")])
    [line] = settlements_status(last_run(clean, now=NOW, since=NOW))
    assert ": polled, 2 listed, 2 posted," in line
    many = PollReport(listed=30, outcomes=[Outcome("parked", f"payout:{n}", reason=f"{n} apart") for n in range(30)])
    lines = settlements_status(last_run(many, now=NOW, since=NOW))
    assert sum(1 for line in lines if line.startswith("  parked ")) == SHOWN
    assert lines[-1] == "  (the rest in the sync log: xerosync log)"
