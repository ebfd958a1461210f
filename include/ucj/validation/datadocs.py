"""Great Expectations Data Docs for every validated batch, built once per batch.

The engine validates a batch chunk by chunk in an ephemeral GX context. ``ResultAggregate``
merges the chunks' GX results into one result for the whole batch as they come (counts
summed, the first few unexpected values and row numbers kept, the big per-row lists dropped
at once). ``build`` then stores that one result in a GX *file* context under
``<validation_dir>/gx`` and builds the Data Docs pages of that result and the site index:
one build per batch, whatever the number of chunks, and no second validation pass.

Site: ``<validation_dir>/gx/uncommitted/data_docs/local_site/index.html`` (GX's own static
site; its styling loads from public CDNs, the content reads without them). Every
validation of a partition is kept, so the index shows a source's history.

Personal data stays out of the pages: for rules on personal columns (NIK, name, birth date,
kpj, NPWP and the columns derived from them) the unexpected *values* are dropped; their row
numbers (the line in the source file, as in the quarantine) are kept.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

log = logging.getLogger(__name__)

GX_DIR = "gx"
SITE = "local_site"
SAMPLE = 20  # unexpected values and row numbers kept per rule (GX's own partial size)
# Columns whose values identify a person (an individual's 16-digit NPWP is their NIK).
PERSONAL = frozenset({"nik", "nama", "tgl_lahir", "kpj", "x_nik_dob", "x_nik_sex", "x_dob",
                      "x_kpj_count", "npwp", "x_npwp_check"})
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")


def site_index(validation_dir: Path) -> Path:
    """The Data Docs site's front page (exists once a batch was validated)."""
    return Path(validation_dir) / GX_DIR / "uncommitted" / "data_docs" / SITE / "index.html"


def _columns(kwargs: dict) -> set[str]:
    out: set[str] = set()
    for key in _COLUMN_KWARGS:
        value = kwargs.get(key)
        if isinstance(value, str):
            out.add(value)
        elif isinstance(value, list | tuple):
            out.update(str(v) for v in value)
    return out


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


class ResultAggregate:
    """GX results of a batch's chunks merged into one, in rule order."""

    def __init__(self, descriptions: dict[str, str] | None = None) -> None:
        self._rules: dict[str, dict] = {}
        self._descriptions = descriptions or {}
        self._order = {name: i for i, name in enumerate(self._descriptions)}
        self.chunks = 0

    def add(self, rule_results) -> None:
        """One chunk's results: a ``ucj.validation.distinct.RuleResult`` per rule."""
        self.chunks += 1
        for res in rule_results:
            config = res.config
            rule = config.meta["rule"]
            got = res.result or {}
            agg = self._rules.get(rule)
            if agg is None:
                personal = bool(_columns(config.kwargs) & PERSONAL)
                agg = self._rules[rule] = {
                    "config": config, "success": True, "personal": personal,
                    "element_count": 0, "missing_count": 0, "unexpected_count": 0,
                    "values": [], "indexes": [], "counts": Counter(), "exception": None}
            agg["success"] = agg["success"] and bool(res.success)
            for key in ("element_count", "missing_count", "unexpected_count"):
                agg[key] += int(got.get(key) or 0)
            if res.exception_info and res.exception_info.get("raised_exception"):
                agg["exception"] = agg["exception"] or res.exception_info
            room = SAMPLE - len(agg["indexes"])
            if room > 0:
                agg["indexes"] += list(got.get("partial_unexpected_index_list") or [])[:room]
            if agg["personal"]:
                continue
            room = SAMPLE - len(agg["values"])
            if room > 0:
                agg["values"] += list(got.get("partial_unexpected_list") or [])[:room]
            for item in got.get("partial_unexpected_counts") or []:
                agg["counts"][_hashable(item["value"])] += int(item["count"])
        self._in_rule_order()

    def merge(self, other: ResultAggregate) -> None:
        """Add the aggregate of another part of the same batch (same suite)."""
        self.chunks += other.chunks
        for rule, theirs in other._rules.items():
            agg = self._rules.get(rule)
            if agg is None:
                self._rules[rule] = {**theirs, "values": list(theirs["values"]),
                                     "indexes": list(theirs["indexes"]),
                                     "counts": Counter(theirs["counts"])}
                continue
            agg["success"] = agg["success"] and theirs["success"]
            for key in ("element_count", "missing_count", "unexpected_count"):
                agg[key] += theirs[key]
            agg["exception"] = agg["exception"] or theirs["exception"]
            for key in ("indexes", "values"):
                agg[key] += theirs[key][:SAMPLE - len(agg[key])]
            agg["counts"].update(theirs["counts"])
        self._in_rule_order()

    def _in_rule_order(self) -> None:
        if self._order and len(self._rules) > 1:
            self._rules = dict(sorted(self._rules.items(),
                                      key=lambda kv: self._order.get(kv[0], len(self._order))))

    def rules(self) -> list[str]:
        return list(self._rules)

    def suite(self, suite_name: str):
        """The expectation suite the batch was validated with (for its Data Docs page)."""
        import great_expectations as gx

        return gx.ExpectationSuite(name=suite_name, expectations=[
            type(c)(type=c.type, kwargs={k: v for k, v in c.kwargs.items() if k != "batch_id"},
                    meta=c.meta).to_domain_obj()
            for c in (agg["config"] for agg in self._rules.values())])

    def suite_result(self, suite_name: str, meta: dict):
        """One ``ExpectationSuiteValidationResult`` for the whole batch."""
        from great_expectations.core import (
            ExpectationSuiteValidationResult,
            ExpectationValidationResult,
        )

        results = []
        for agg in self._rules.values():
            config = agg["config"]
            kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
            rule = config.meta["rule"]
            note = f"Rule `{rule}` ({config.meta.get('severity', 'error')})"
            if rule in self._descriptions:
                note += f": {self._descriptions[rule]}"
            config = type(config)(type=config.type, kwargs=kwargs, meta=config.meta, notes=note)
            n, missing, bad = agg["element_count"], agg["missing_count"], agg["unexpected_count"]
            nonmissing = n - missing
            result = {
                "element_count": n, "missing_count": missing,
                "missing_percent": 100.0 * missing / n if n else None,
                "unexpected_count": bad,
                "unexpected_percent": 100.0 * bad / nonmissing if nonmissing else None,
                "unexpected_percent_total": 100.0 * bad / n if n else None,
                "unexpected_percent_nonmissing": 100.0 * bad / nonmissing if nonmissing else None,
                "partial_unexpected_index_list": agg["indexes"],
                "partial_unexpected_list": agg["values"],
                "partial_unexpected_counts": [
                    {"value": list(v) if isinstance(v, tuple) else v, "count": c}
                    for v, c in agg["counts"].most_common(SAMPLE)],
            }
            if agg["personal"]:
                result["details"] = {"values_withheld": "personal data: see the row numbers"}
            exception = agg["exception"] or {"raised_exception": False,
                                             "exception_message": None,
                                             "exception_traceback": None}
            results.append(ExpectationValidationResult(
                success=agg["success"], expectation_config=config, result=result,
                exception_info=exception))
        passed = sum(r.success for r in results)
        statistics = {
            "evaluated_expectations": len(results), "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100.0 * passed / len(results) if results else None,
        }
        return ExpectationSuiteValidationResult(
            success=passed == len(results), results=results, suite_name=suite_name,
            statistics=statistics, meta=meta)


@contextmanager
def _locked(root: Path):
    """One builder at a time per site (two months may be validated in parallel)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _file_context(project_root: Path):
    from ucj.validation.rules import gx_expectations

    gx_expectations()  # quiet-GX environment before the import
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="file", project_root_dir=str(project_root))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def build(validation_dir: Path, *, suite_name: str, source: str, partition_key: str,
          partition_value: str, source_file: str, aggregate: ResultAggregate,
          batch_info: dict | None = None, run_time: datetime | None = None) -> dict:
    """Store the batch's merged result in the file context and build its Data Docs page and
    the site index. Returns ``{"data_docs": page path, "data_docs_index": ...,
    "data_docs_seconds": ...}``."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    started = time.time()
    run_time = run_time or datetime.now(UTC)
    partition = f"{partition_key}={partition_value}"
    run_id = RunIdentifier(run_name=f"{source.replace('/', '_')}_{partition_value}",
                           run_time=run_time)
    meta = {
        "run_id": run_id,
        "validation_time": run_time,
        "active_batch_definition": {
            "datasource_name": source, "data_connector_name": "ucj_lake",
            "data_asset_name": source_file, "batch_identifiers": {partition_key: partition_value}},
        "batch_spec": {"data_asset_name": source_file, "source": source,
                       "partition": partition, "source_file": source_file,
                       "chunks": aggregate.chunks, **(batch_info or {})},
    }
    result = aggregate.suite_result(suite_name, meta)
    root = Path(validation_dir) / GX_DIR
    with _locked(root):
        ctx = _file_context(Path(validation_dir))
        suite_key = ExpectationSuiteIdentifier(name=suite_name)
        key = ValidationResultIdentifier(expectation_suite_identifier=suite_key,
                                         run_id=run_id, batch_identifier=partition)
        if aggregate.rules():
            ctx.suites.add_or_update(aggregate.suite(suite_name))
        ctx.validation_results_store.set(key, result)
        ctx.build_data_docs(site_names=[SITE], resource_identifiers=[key, suite_key])
        url = ctx.get_docs_sites_urls(resource_identifier=key, site_name=SITE)[0]["site_url"]
    page = Path(unquote(urlparse(url).path))
    return {"data_docs": str(page), "data_docs_index": str(site_index(validation_dir)),
            "data_docs_seconds": round(time.time() - started, 3)}
