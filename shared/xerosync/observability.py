"""The single Logger and Metrics every function shares.

Their names come from the environment object (``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE``, else xerosync), like every other setting; Powertools reads
its other variables (``POWERTOOLS_LOG_LEVEL``, ...) itself.
"""

from aws_lambda_powertools import Logger, Metrics

from xerosync.environment import current

logger = Logger(service=current().service_name)
metrics = Metrics(namespace=current().metrics_namespace)
