"""Great Expectations Data Docs for every validated batch, built once per batch.

The engine validates a batch chunk by chunk in an ephemeral GX context. ``ResultAggregate``
merges the chunks' GX results into one result for the whole batch as they come (counts
summed, the first few unexpected values and row numbers kept, the big per-row lists dropped
at once). ``build`` then stores that one result in a GX *file* context under
``<validation_dir>/gx`` and builds the Data Docs pages of that result and the site index:
one build per batch, whatever the number of chunks, and no second validation pass.

Site: ``<validation_dir>/gx/uncommitted/data_docs/local_site/index.html`` (GX's own static
site). Every validation of a partition is kept, so the index shows a source's history. GX's
templates load jQuery, Bootstrap, bootstrap-table, Font Awesome and Vega from public CDNs
(without them the index lists no validation): after each build the pages built point at the
same files, pinned and shipped in ``datadocs_assets/`` and copied into the site's
``static/vendor/``, so the site works offline. Rules on derived columns (``x_...``) show the
delivered columns they check (``rules.source_names``).

The GX folder (results with sample values, pages) is the pipeline user's alone: 0700, and the
files of each build 0600.

Personal data stays out of the pages: for rules on personal columns (NIK, name, birth date,
kpj, NPWP and the columns derived from them) the unexpected *values* are dropped; their row
numbers (the line in the source file, as in the quarantine) are kept.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from ucj.validation import rules as _rules

log = logging.getLogger(__name__)

GX_DIR = "gx"
SITE = "local_site"
SAMPLE = 20  # unexpected values and row numbers kept per rule (GX's own partial size)
# Columns whose values identify a person (an individual's 16-digit NPWP is their NIK).
PERSONAL = frozenset({"nik", "nama", "tgl_lahir", "kpj", "x_nik_dob", "x_nik_sex", "x_dob",
                      "x_kpj_count", "npwp", "x_npwp_check",
                      # age at registration in days: with the registration date, the birth date
                      "x_days_lahir_to_kepesertaan"})
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700

INDEX_BUILDER = {"module_name": "ucj.validation.datadocs_index",
                 "class_name": "FactsSiteIndexBuilder"}
ASSETS = Path(__file__).with_name("datadocs_assets")
VENDOR = ("static", "vendor")  # in the site
# Each CDN address of GX's templates (render/view/templates: js_script_imports.j2,
# index_page.j2, page_minimal.j2) -> the same file of the npm package, at the version the
# address names (vega@5, vega-lite@5, vega-embed@6 name a major only: its newest release),
# shipped as datadocs_assets/<package>-<version>/<path> (see the README there).
CDN_FILES = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js-1.12.9/dist/umd/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap-4.3.1/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap-4.3.1/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table-1.19.1/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table-1.19.1/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.0/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/dist/js/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css":
        "forevolve-bootstrap-dark-1.1.0/dist/css/bootstrap-prefers-dark.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fortawesome-fontawesome-free-6.6.0/css/all.min.css",  # its fonts: ../webfonts/
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/build/vega-embed.min.js",
}
# GX's logo (navbar image, dark-theme background) comes from its web bucket with the data
# context's id in the query: the logo GX copies into the site's static/images instead.
_GX_IMAGES = re.compile(r"https://great-expectations-web-assets\.s3\.[\w.-]+\.amazonaws\.com/"
                        r"[\w.-]+(?:\?[^\"'\s)]*)?")
_LOGO = ("static", "images", "logo-long.png")
_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
_URL_ATTR = re.compile(r"""\b(src|href)=(["'])(https?://[^"']+)\2""")
# SRI and CORS mode fail on file:// pages (each file is its own origin); the files are the
# bytes those hashes name (tests/test_datadocs_offline.py)
_CROSS_ORIGIN_ATTRS = re.compile(r"""\s+(?:integrity|crossorigin)=(["'])[^"']*\1""")


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
        # taken now, where the rules were made: the aggregate is pickled to the process that
        # builds the docs (a month validated in parts), which makes no rule
        self._source_names = _rules.source_names()
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
        self._source_names.update(getattr(other, "_source_names", {}))
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

    def _shown(self, kwargs: dict) -> dict:
        """``kwargs`` with each derived column named as delivered (display only). A derived
        column that no rule maps shows its stem when that is a column the batch checks too
        (``x_periode`` -> ``periode``)."""
        names = getattr(self, "_source_names", {})
        checked = set().union(*(_columns(a["config"].kwargs) for a in self._rules.values()))

        def shown(column: str) -> str:
            if column in names:
                return names[column]
            stem = column.removeprefix("x_")
            return stem if stem != column and stem in checked else column

        out = dict(kwargs)
        for key in _COLUMN_KWARGS:
            value = out.get(key)
            if isinstance(value, str):
                out[key] = shown(value)
            elif isinstance(value, list | tuple):
                out[key] = [shown(str(v)) for v in value]
        return out

    def suite(self, suite_name: str):
        """The expectation suite the batch was validated with (for its Data Docs page)."""
        import great_expectations as gx

        return gx.ExpectationSuite(name=suite_name, expectations=[
            type(c)(type=c.type, meta=c.meta, kwargs=self._shown(
                {k: v for k, v in c.kwargs.items() if k != "batch_id"})).to_domain_obj()
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
            kwargs = self._shown({k: v for k, v in config.kwargs.items() if k != "batch_id"})
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
    os.chmod(root, PRIVATE_DIR)  # sample values of the data: the pipeline user's alone
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
    from great_expectations.render.renderer.site_builder import FALSEY_YAML_STRINGS

    from ucj.validation.datadocs_views import INDEX_VIEW, PAGE_VIEW

    ctx = gx.get_context(mode="file", project_root_dir=str(project_root))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    # For this context only (great_expectations.yml keeps GX's defaults, which render the
    # same pages): the site index from each result's facts kept beside the results, not from
    # every stored result read again on every build (ucj.validation.datadocs_index), and GX's
    # views with their compiled templates cached between processes (.datadocs_views).
    sites = ctx.variables.data_docs_sites  # a copy
    site = sites[SITE]
    site["site_index_builder"] = {**(site.get("site_index_builder") or {}), **INDEX_BUILDER,
                                  "view": INDEX_VIEW}
    sections = dict(site.get("site_section_builders") or {})
    for name in ("expectations", "validations", "profiling"):
        section = sections.get(name, {})
        if section and section in FALSEY_YAML_STRINGS:
            continue  # a section the site leaves out stays out
        sections[name] = {**section, "view": PAGE_VIEW}
    site["site_section_builders"] = sections
    ctx.variables.data_docs_sites = sites
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

    from ucj.validation import datadocs_index

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
        datadocs_index.remember(root, key, result)  # the index need not read it back
        ctx.build_data_docs(site_names=[SITE], resource_identifiers=[key, suite_key])
        url = ctx.get_docs_sites_urls(resource_identifier=key, site_name=SITE)[0]["site_url"]
        _after_build(root, site_index(validation_dir).parent, started)
    page = Path(unquote(urlparse(url).path))
    return {"data_docs": str(page), "data_docs_index": str(site_index(validation_dir)),
            "data_docs_seconds": round(time.time() - started, 3)}


def _after_build(root: Path, site: Path, since: float) -> None:
    """What this build wrote (files and folders changed since ``since``, with a margin for file
    systems with coarse times: redoing one is harmless): pages pointed at the shipped assets,
    modes made the owner's alone. Older pages were done by their own build."""
    _vendor(site)
    since -= 2
    for folder, _dirs, files in os.walk(root):
        here = Path(folder)
        if here.stat().st_mtime >= since:
            os.chmod(here, PRIVATE_DIR)
        for name in files:
            path = here / name
            if path.stat().st_mtime < since:
                continue
            if name.endswith(".html") and path.is_relative_to(site):
                _local_links(path, site)
            os.chmod(path, PRIVATE_FILE)


def _vendor(site: Path) -> None:
    """Copy the shipped assets into the site, once (again when they change)."""
    vendor = site.joinpath(*VENDOR)
    stamp = vendor / ".assets.sha256"
    want = hashlib.sha256((ASSETS / "SHA256SUMS").read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text() == want:
        return
    shutil.copytree(ASSETS, vendor, dirs_exist_ok=True)
    stamp.write_text(want)


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def _local_links(page: Path, site: Path) -> None:
    """Point a page's scripts, style sheets and logo at the site's own copies."""
    text = page.read_text(encoding="utf-8")
    vendor = _relative(site.joinpath(*VENDOR), page)

    def local(attr: re.Match) -> str:
        path = CDN_FILES.get(attr.group(3))
        if path is None:
            return attr.group(0)
        return f"{attr.group(1)}={attr.group(2)}{vendor}/{path}{attr.group(2)}"

    def tag(match: re.Match) -> str:
        before = match.group(0)
        after = _URL_ATTR.sub(local, before)
        return before if after == before else _CROSS_ORIGIN_ATTRS.sub("", after)

    new = _GX_IMAGES.sub(_relative(site.joinpath(*_LOGO), page), _TAG.sub(tag, text))
    if new != text:
        page.write_text(new, encoding="utf-8")
