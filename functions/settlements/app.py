"""Poll of the store's settlements, on its schedule (Shopify Payments payouts have no webhook) or at
once when a notification says one is ready (Amazon's REPORT_PROCESSING_FINISHED, by SQS): each
paid one posted once, each that failed after posting reversed. The logic:
xerosync.sync.settlements (wired by xerosync.settlement_job).

The same function keeps the store's own API credentials (xerosync.credentials): each scheduled run
publishes the days until they expire (the StoreSecretExpiryAlarm), and the renewed credentials a
store delivers on the credential notifications queue are stored in the credentials secret."""

from typing import Any

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync import credentials
    from xerosync.environment import current
    from xerosync.jobs import Job, NotConfigured, SyncStopped
    from xerosync.observability import count, logger, metrics
    from xerosync.settlement_job import settlements_job
    from xerosync.sources.port import CredentialsRefused


SAFETY_MS = 30_000  # stop posting this long before the function's timeout, and save the watermark


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "Records" not in event:
        result = poll(context)
        credentials.publish_expiry(Job(current()))  # the StoreSecretExpiryAlarm
        return result
    queue = current().credential_notifications_queue
    renewals = [r for r in event["Records"] if queue and str(r.get("eventSourceARN", "")).endswith(f":{queue}")]
    failed = credentials.store_renewals(Job(current()), renewals) if renewals else []
    if len(renewals) < len(event["Records"]):  # notifications: what they announce is listed by this poll
        again = poll(context)["outcome"] == "busy"  # one another run holds: later
        failed += [r["messageId"] for r in event["Records"] if again and r not in renewals]
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}


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
    except CredentialsRefused as exc:  # the secret expired or was rotated away: nothing works until replaced
        logger.error("settlements failed", extra={"outcome": "credentials_refused", "reason": str(exc)})
        count("settings_invalid")  # the SettingsInvalidAlarm: the store's API credentials are invalid
        return {"outcome": "credentials_refused", "reason": str(exc)}
    if report is None:
        logger.info("settlements skipped", extra={"outcome": "busy", "reason": "another run holds the lease"})
        return {"outcome": "busy"}
    summary = report.summary()
    failed = bool(report.failed or summary["parked"] or summary["held"])  # held: a re-issue for a person to book
    logger.info("settlements", extra={"outcome": "failed" if failed else "polled", **summary})
    count("settlements_failed", 1 if failed else 0)  # the SettlementsFailedAlarm
    return {"outcome": "polled", **summary}
