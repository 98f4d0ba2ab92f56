"""Poll of the store's settlements, on its schedule (Shopify Payments payouts have no webhook) or at
once when a notification says one is ready (Amazon's REPORT_PROCESSING_FINISHED, by SQS): each
paid one posted once, each that failed after posting reversed. The logic:
xerosync.sync.settlements (wired by xerosync.settlement_job)."""

from typing import Any

from xerosync.environment import current
from xerosync.jobs import Job, NotConfigured, SyncStopped
from xerosync.observability import count, logger, metrics
from xerosync.settlement_job import settlements_job

SAFETY_MS = 30_000  # stop posting this long before the function's timeout, and save the watermark


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = poll(context)
    if "Records" in event:  # notifications: what they announce is listed by this poll; one another run holds, later
        again = result["outcome"] == "busy"
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if again]}
    return result


def poll(context: Any) -> dict[str, Any]:
    try:
        report = settlements_job(
            Job(current()),
            deadline=lambda: context.get_remaining_time_in_millis() < SAFETY_MS,
            lease_seconds=context.get_remaining_time_in_millis() / 1000 + 30,  # a run that dies frees it soon
        )
    except SyncStopped as exc:
        logger.info("settlements skipped", extra={"outcome": "stopped", "reason": str(exc)})
        return {"outcome": "stopped", "reason": str(exc)}
    except NotConfigured as exc:
        logger.info("settlements skipped", extra={"outcome": "not_configured", "reason": str(exc)})
        return {"outcome": "not_configured", "reason": str(exc)}
    if report is None:
        logger.info("settlements skipped", extra={"outcome": "busy", "reason": "another run holds the lease"})
        return {"outcome": "busy"}
    summary = report.summary()
    failed = bool(report.failed or summary["parked"] or summary["held"])  # held: a re-issue for a person to book
    logger.info("settlements", extra={"outcome": "failed" if failed else "polled", **summary})
    count("settlements_failed", 1 if failed else 0)  # the SettlementsFailedAlarm
    return {"outcome": "polled", **summary}
