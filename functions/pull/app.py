"""Scheduled pull from Xero: item names, prices and stock into the store's products, for the
fields the settings give to Xero. The logic: xerosync.pull (wired by xerosync.jobs)."""

from typing import Any

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync.environment import current
    from xerosync.jobs import Job, NotConfigured, SyncStopped, pull_job
    from xerosync.observability import count, logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        report = pull_job(Job(current()))
    except SyncStopped as exc:
        logger.info("pull skipped", extra={"outcome": "stopped", "reason": str(exc)})
        return {"outcome": "stopped", "reason": str(exc)}
    except NotConfigured as exc:
        logger.warning("pull skipped", extra={"outcome": "not_configured", "reason": str(exc)})
        return {"outcome": "not_configured", "reason": str(exc)}
    summary = report.summary()
    logger.info("pull", extra={"outcome": "failed" if report.failed else "pulled", **summary})
    count("pull_failed", 1 if report.failed else 0)  # the PullFailedAlarm
    metrics.add_metric(name="pull_written", unit="Count", value=len(report.applied))
    return {"outcome": "pulled", **summary}
