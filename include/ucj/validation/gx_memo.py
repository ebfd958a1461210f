"""Great Expectations' expectation configuration built once per expectation and run.

GX 1.x rebuilds an expectation's ``configuration`` (a pydantic ``.dict()`` of the
expectation, its class name turned to snake case, a new ``ExpectationConfiguration``) every
time the property is read, and one validation reads it about sixty times per expectation (for
each metric's domain, value and success kwargs). On the small frames most of a month's GX runs
see (the distinct combinations of a column group, ``ucj.validation.distinct``) that was a
quarter of each run (benchmarks/validation_profile.py).

Inside :func:`memoized`, the first read of an expectation's ``configuration`` is kept and
returned to later reads of the same expectation object; outside it the property is GX's own,
unchanged. Within one validation GX builds its expectation objects afresh from the suite
(``ExpectationConfiguration.to_domain_obj``) and does not change them, so every read would
have built an equal configuration: outcomes, results and Data Docs are GX's
(tests/test_gx_memo.py compares whole suite results with and without).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

_local = threading.local()
_installing = threading.Lock()
_installed = False


def install() -> None:
    """Wrap GX's ``Expectation.configuration`` (once per process): memoized inside
    :func:`memoized` on the calling thread, GX's own property everywhere else."""
    global _installed
    with _installing:  # two threads must not wrap the property twice
        if not _installed:
            _wrap()
            _installed = True


def _wrap() -> None:
    from great_expectations.expectations.expectation import Expectation

    built_by_gx = Expectation.configuration.fget

    def configuration(self):
        memo = getattr(_local, "memo", None)
        if memo is None:
            return built_by_gx(self)
        # keyed by id, holding the object: no other object can take its id while it is kept
        kept = memo.get(id(self))
        if kept is None or kept[0] is not self:
            kept = memo[id(self)] = (self, built_by_gx(self))
        return kept[1]

    configuration.__doc__ = built_by_gx.__doc__
    Expectation.configuration = property(configuration)


@contextmanager
def memoized():
    """Within the block, on this thread, each expectation's configuration is built once."""
    install()
    outer = getattr(_local, "memo", None)
    _local.memo = {} if outer is None else outer
    try:
        yield
    finally:
        _local.memo = outer
