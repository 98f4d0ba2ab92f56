"""Scheduled reconciliation: what the webhooks missed, enqueued; the store's webhooks repaired;
the daily drift report. The logic: xerosync.reconcile, xerosync.drift (wired by xerosync.jobs)."""

from typing import Any

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync.environment import current
    from xerosync.jobs import Job, NotConfigured, SyncStopped, reconcile_job
    from xerosync.observability import count, logger, metrics


SAFETY_MS = 30_000  # stop listing this long before the function's timeout, and save the watermark


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        report = reconcile_job(
            Job(current()),
            deadline=lambda: context.get_remaining_time_in_millis() < SAFETY_MS,
            lease_seconds=context.get_remaining_time_in_millis() / 1000 + 30,  # a run that dies frees it soon
        )
    except SyncStopped as exc:
        logger.info("reconciliation skipped", extra={"outcome": "stopped", "reason": str(exc)})
        return {"outcome": "stopped", "reason": str(exc)}
    except NotConfigured as exc:
        logger.warning("reconciliation skipped", extra={"outcome": "not_configured", "reason": str(exc)})
        return {"outcome": "not_configured", "reason": str(exc)}
    if report is None:
        logger.info("reconciliation skipped", extra={"outcome": "busy", "reason": "another run holds the lease"})
        return {"outcome": "busy"}
    summary = report.summary()
    logger.info("reconciliation", extra={"outcome": "failed" if report.errors else "reconciled", **summary})
    count("reconcile_failed", 1 if report.errors else 0)  # the ReconcileFailedAlarm
    metrics.add_metric(name="reconcile_enqueued", unit="Count", value=len(report.enqueued))
    return {"outcome": "reconciled", **summary}
