"""A small, seeded chaos run in every test run (``make chaos`` runs the full one): duplicated,
shuffled deliveries, workers killed mid-batch, Xero faults and another app's calls - and still
exactly one document per store document, totals equal to the store's, every event accounted for."""

from local.chaos import print_report, run


def test_a_small_chaos_run_keeps_every_invariant() -> None:
    report = run(seed=11, events=120, timeout=600)
    print_report(report)
    assert report.problems == []
    assert report.enqueued > 100 and report.duplicates_sent > 0
    assert sum(report.faults.values()) > 0  # faults did fire
    assert report.xero["orders_checked"] > 10
