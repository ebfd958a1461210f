"""The Data Docs site index, built without re-reading every stored validation result.

GX's ``DefaultSiteIndexBuilder`` lists the site's validation pages and, for each, loads the
whole stored result (about 100 KB of JSON for a month, rebuilt into GX objects) to read four
facts of it: success, ``batch_kwargs``, ``batch_spec`` and the asset name. The site keeps every
validation of every partition, so every build cost more as history grew. This builder keeps
those facts per result in a small JSON file beside the results (``FACTS``): the pipeline
records the facts of the result it has just stored, from memory (:func:`remember`), and the
builder loads a result only when it has no facts of it (every older one once, after an
upgrade; one stored by another tool). The page is GX's own, rendered from the same facts in
the same order (tests/test_datadocs_index.py compares it with the default builder's;
``benchmarks/datadocs_bench.py`` prints both builders' time as history grows).

A stored result is written once under a key holding its run time, and never changed by the
pipeline; the facts of a key no longer in the site are dropped at the next build.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.render.renderer.site_builder import (
    FALSEY_YAML_STRINGS,
    DefaultSiteIndexBuilder,
    _resolve_asset_name,
)
from great_expectations.render.util import resource_key_passes_run_name_filter

log = logging.getLogger(__name__)

FACTS = ("uncommitted", "data_docs_index_facts.json")  # under the GX project root


def facts_path(project_root: Path) -> Path:
    return Path(project_root).joinpath(*FACTS)


def remember(project_root: Path, key, result: ExpectationSuiteValidationResult) -> None:
    """Record the facts of a result just stored under ``key``: the next build then lists it
    without reading it back from the store (a month's result is about 100 KB of JSON to
    parse into GX objects again). Called under the site's build lock."""
    path = facts_path(project_root)
    known = _read(path)
    known[_name(key)] = facts_of(result)
    _write(path, known)


def facts_of(result: ExpectationSuiteValidationResult) -> dict:
    """The four facts the index shows of a result, through JSON as they are read back
    next time: the same values on every build."""
    return json.loads(json.dumps({
        "success": result.success,
        "batch_kwargs": result.meta.get("batch_kwargs", {}),
        "batch_spec": result.meta.get("batch_spec", {}),
        "asset_name": _resolve_asset_name(result)}, default=str))


def _name(key) -> str:
    return "/".join(str(part) for part in key.to_tuple())


class FactsSiteIndexBuilder(DefaultSiteIndexBuilder):
    """``DefaultSiteIndexBuilder`` reading each validation's index facts from ``FACTS``."""

    def _add_validations_to_index_links(self, index_links_dict, site_keys) -> None:
        # GX's own selection and order (site_builder.DefaultSiteIndexBuilder), then the facts
        validations = self.site_section_builders_config.get("validations", "None")
        if not validations or validations in FALSEY_YAML_STRINGS:
            return
        name_filter = self.site_section_builders_config["validations"]["run_name_filter"]
        keys = sorted((k for k in site_keys if resource_key_passes_run_name_filter(k, name_filter)),
                      key=lambda k: k.run_id.run_time, reverse=True)
        if self.validation_results_limit:
            keys = keys[:self.validation_results_limit]
        path = facts_path(self.data_context.root_directory)
        known = _read(path)
        kept: dict[str, dict] = {}
        for key in keys:
            name = _name(key)
            facts = known.get(name) or self._facts(key)
            if facts is None:
                continue
            kept[name] = facts
            self.add_resource_info_to_index_links_dict(
                index_links_dict=index_links_dict,
                expectation_suite_name=key.expectation_suite_identifier.name,
                section_name="validations", batch_identifier=key.batch_identifier,
                run_id=key.run_id, validation_success=facts["success"],
                run_time=key.run_id.run_time, run_name=key.run_id.run_name,
                asset_name=facts["asset_name"], batch_kwargs=facts["batch_kwargs"],
                batch_spec=facts["batch_spec"])
        if kept != known:  # a result met for the first time, or one gone from the site
            _write(path, kept)

    def _facts(self, key) -> dict | None:
        """The index facts of one stored result, read from the store (GX's own read)."""
        try:
            result = self.data_context.get_validation_result(
                batch_identifier=key.batch_identifier,
                expectation_suite_name=key.expectation_suite_identifier.name,
                run_id=key.run_id,
                validation_results_store_name=self.source_stores.get("validations"))
        except Exception:  # as GX: an unreadable result is left out of the index, logged
            result = None
        if not isinstance(result, ExpectationSuiteValidationResult):  # {} when none matches
            log.warning("Validation result not found: %s - skipping", key.to_tuple())
            return None
        return facts_of(result)


def _read(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:  # a torn or edited file: the facts are read again from the results
        log.warning("Data Docs index facts unreadable, rebuilt from the results: %s", path)
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, facts: dict[str, dict]) -> None:
    """Atomically, owner-only (the facts name partitions and source files)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(facts, fh, sort_keys=True)
    os.replace(tmp, path)
