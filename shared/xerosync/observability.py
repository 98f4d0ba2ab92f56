"""The single Logger and Metrics every function shares.

Their names come from the environment object (``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE``, else xerosync), like every other setting; Powertools reads
its other variables (``POWERTOOLS_LOG_LEVEL``, ...) itself.

Every metric carries the stack as a dimension (``stack``, beside Powertools' ``service``), and
every log line the stack as a key: several stores deployed in one account are told apart, and
the stack's alarms watch only its own figures (template.yaml, the alarms on custom metrics).
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from xerosync.environment import current

logger = Logger(service=current().service_name)
metrics = Metrics(namespace=current().metrics_namespace)
if current().stack_name:
    metrics.set_default_dimensions(stack=current().stack_name)
    logger.append_keys(stack=current().stack_name)


def count(name: str, value: float = 1) -> None:
    """One more of ``name`` in this invocation's metrics (flushed by ``@metrics.log_metrics``)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def reason_of(exc: BaseException) -> str:
    """An exception as a log or sync-log reason, without the input a validation error echoes.

    pydantic's message repeats each invalid value (``input_value={'email': ...}``): customer data
    that must not reach CloudWatch Logs. Recognised by shape, so that the ingress, which never
    imports pydantic, does not load it here.
    """
    errors = getattr(exc, "errors", None)
    if type(exc).__name__ == "ValidationError" and callable(errors):
        try:
            found = errors(include_input=False, include_url=False, include_context=False)
        except TypeError:  # not pydantic's
            return str(exc)
        where = getattr(exc, "title", "input")
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ())) or '(top level)'}: {e.get('msg', '')}" for e in found]
        return f"{len(parts)} validation error(s) for {where}: " + "; ".join(parts)
    return str(exc)
