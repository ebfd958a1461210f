"""Imported once by each Celery worker when it starts (``ucj.celery_config``): Great
Expectations and the validation engine, in GX's quiet set-up, for the tasks forked from it.
No GX context is made here: each task makes its own."""

from ucj.validation import engine  # noqa: F401 - the import is the point
from ucj.validation.rules import gx_expectations

gx_expectations()
