"""The fault suite: faults injected into servers the suite starts itself (make test-faults).

The real stack for the Redis and PostgreSQL faults is tests/faults/stack.py; the tests here
that need only a real Celery worker and SMTP sink borrow the integration fixtures.
"""

from tests.integration.conftest import celery_worker, smtp_sink  # noqa: F401  (fixtures)
from tests.reports.conftest import measure_areas, programme_data  # noqa: F401  (fixtures)
