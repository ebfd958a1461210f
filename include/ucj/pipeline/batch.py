"""The shared shape of a source batch: read in chunks, validate, split, write, report.

Each source supplies its contract (columns, rules, ``prepare``) and its ``transform`` from
validated text rows to a typed Arrow table; this module does the rest the same way for all.

Every row read ends in exactly one place: the valid partition or the quarantine, with its
reasons. Besides the contract's rules, a row is quarantined for what the reader found
(``field_count``, ``field_too_long``, ``control_character``: see ``ucj.io.readers``) and when
its values pass the rules but still cannot be typed (``type_conversion``, e.g. an amount too
large for the lake's decimal): such a row is isolated by bisection, the rest of the chunk is
written, the batch goes on. A failure of anything else stops the batch before either
partition is swapped in, so the lake keeps the previous partitions; so does a batch that
breaks one of its source's batch-level expectations (``ucj.validation.batch_rules``: too many
rows quarantined, rows collapsing against the partition it replaces or follows, another
period's rows, a reference year missing a desa), which is refused as a whole.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ucj.io import lake as lk
from ucj.io.readers.frames import FIELD_COUNT, READ_ISSUE
from ucj.pipeline.overlap import ReadAhead, WriteBehind
from ucj.sources import Source
from ucj.validation import datadocs, quarantine
from ucj.validation.batch_rules import BatchChecks, BatchRefused
from ucj.validation.engine import Report, Validator

TYPE_CONVERSION = "type_conversion"
log = logging.getLogger(__name__)


@dataclass
class Batch:
    source: str  # the source's lake dataset (``Source.name``)
    partition_key: str
    partition_value: str
    source_file: str
    columns: list[str]
    schema: pa.Schema
    prepare: Callable[[pd.DataFrame], pd.DataFrame]
    transform: Callable[[pd.DataFrame], pa.Table]
    checks: BatchChecks | None = None  # the source's batch-level expectations

    @classmethod
    def of(cls, source: Source, value: str, source_file: str, prepare, transform,
           checks: BatchChecks | None = None) -> Batch:
        """Partition ``value`` of ``source``: dataset, key, columns and lake schema as the
        source declares them."""
        return cls(source=source.name, partition_key=source.partition_key,
                   partition_value=value, source_file=source_file,
                   columns=source.column_names(), schema=source.lake_schema(),
                   prepare=prepare, transform=transform, checks=checks)


@dataclass
class Tally:
    """What validating a run of chunks found: the whole batch, or one part of it."""

    report: Report  # the GX suite's counts and merged results
    read: int = 0
    valid: int = 0
    quarantined: int = 0
    extra_counts: Counter = field(default_factory=Counter)  # reader and typing rules
    first_type_error: Exception | None = None
    seen: set = field(default_factory=set)  # valid values of the column checked for completeness

    def merge(self, other: Tally) -> None:
        self.report.merge(other.report)
        self.read += other.read
        self.valid += other.valid
        self.quarantined += other.quarantined
        self.extra_counts.update(other.extra_counts)
        self.first_type_error = self.first_type_error or other.first_type_error
        self.seen |= other.seen


def run_batch(batch: Batch, chunks: Iterable[pd.DataFrame], validator: Validator, lake: Path,
              validation_dir: Path, extra_manifest: dict | None = None) -> dict:
    """Validate every chunk and write valid rows and quarantined rows to their partitions."""
    started = time.time()
    key, value = batch.partition_key, batch.partition_value
    restore_partitions(lake, batch.source, key, value)
    with lk.PartitionWriter(lake, batch.source, key, value, batch.schema) as good, \
            lk.PartitionWriter(lake, lk.quarantine_dataset(batch.source), key, value,
                               quarantine.schema(batch.columns)) as bad:
        tally = validate_chunks(batch, chunks, validator, good, bad)
        manifest = finish(batch, tally, validation_dir, started, extra_manifest)
        quarantine_dir = bad.commit(manifest)
        valid_dir = good.commit(manifest)
    return {**manifest, "partition": str(valid_dir), "quarantine": str(quarantine_dir)}


def restore_partitions(lake: Path, source: str, key: str, value: str) -> None:
    """Put back a partition a killed swap left aside; remove a killed run's leftovers."""
    for dataset in (source, lk.quarantine_dataset(source)):
        restore_interrupted_swap(lk.partition_dir(lake, dataset, key, value))
        lk.remove_stale_staging(lake, dataset, key, value)


def validate_chunks(batch: Batch, chunks: Iterable[pd.DataFrame], validator: Validator,
                    good, bad) -> Tally:
    """Validate chunks, writing valid rows to ``good`` and quarantined rows to ``bad``."""
    tally = Tally(validator.new_report())
    complete_over = batch.checks.complete_over if batch.checks else None
    # the next chunk is read and the last one written while this one is validated
    with ReadAhead(chunks) as ahead, WriteBehind() as writes:
        for chunk in ahead:
            tally.read += len(chunk)
            issues = chunk.pop(READ_ISSUE) if READ_ISSUE in chunk else None
            # A record with more or fewer fields than the header has no trustworthy column
            # values: it is quarantined for that alone, the contract's rules skip it.
            shapeless = _with_rule(issues, FIELD_COUNT)
            outcome = validator.validate(batch.prepare(_without(chunk, shapeless)))
            tally.report.add(len(chunk), outcome)
            reasons = _with_issues(outcome.reasons, issues, tally.extra_counts)
            tables, untyped, error = _typed(batch.transform, _without(chunk, reasons.index))
            if not untyped.empty:
                tally.extra_counts[TYPE_CONVERSION] += len(untyped)
                tally.first_type_error = tally.first_type_error or error
                reasons = pd.concat([reasons, untyped]).sort_index()
            writes.submit(_write, good, bad, tables,
                          quarantine.rows(chunk, reasons, batch.columns, batch.source_file))
            if complete_over:
                for table in tables:
                    tally.seen.update(table[complete_over[0]].unique().to_pylist())
    tally.valid, tally.quarantined = good.rows, bad.rows
    return tally


def _write(good, bad, tables: list[pa.Table], quarantined: pa.Table) -> None:
    bad.write(quarantined)
    for table in tables:
        good.write(table)


def finish(batch: Batch, tally: Tally, validation_dir: Path, started: float,
           extra_manifest: dict | None = None) -> dict:
    """Check the batch's totals, write its validation report and Data Docs; the manifest."""
    if tally.valid == 0 and tally.extra_counts[TYPE_CONVERSION] > 1:
        # not a few odd values: the transform fails for every row (a bug, or a change of the
        # lake's schema): stop rather than quarantine the whole delivery
        raise tally.first_type_error
    if tally.read != tally.valid + tally.quarantined:  # every row loaded or quarantined
        raise AssertionError(f"{batch.source_file}: {tally.read} read != {tally.valid} + "
                             f"{tally.quarantined}")
    report, extra_counts = tally.report, tally.extra_counts
    counts = {**report.counts, **extra_counts}
    verdict = batch.checks.evaluate(report.suite, tally.read, tally.valid, tally.quarantined,
                                    counts, tally.seen) if batch.checks else None
    if verdict is not None:
        report.results.add(verdict.rule_results)  # on the batch's Data Docs page
    report_dict = report.as_dict()
    if extra_counts:
        report_dict["reader_and_typing_rules"] = dict(extra_counts)
        report_dict["success"] = False
    forced = bool(verdict and verdict.failed and batch.checks.policy.force)
    batch_dict = {"batch_rules": verdict.as_dict(forced)} if verdict is not None else {}
    docs = build_data_docs(validation_dir, batch, report, tally.read, extra_counts)
    report_path = write_report(validation_dir, batch, {**report_dict, **batch_dict, **docs})
    if verdict is not None and verdict.failed:
        if not forced:
            raise BatchRefused(batch.source_file, verdict.messages(), docs.get("data_docs"))
        _tell_forced(batch, verdict)
    return {
        "source": batch.source, batch.partition_key: batch.partition_value,
        "source_file": batch.source_file, "rows_read": tally.read, "rows_valid": tally.valid,
        "rows_quarantined": tally.quarantined,
        "rule_counts": {k: v for k, v in counts.items() if v},
        "validation_success": report_dict["success"],
        "validation_report": str(report_path),
        **docs,
        "seconds": round(time.time() - started, 3),
        **batch_dict,
        **(extra_manifest or {}),
    }


def _tell_forced(batch: Batch, verdict) -> None:
    """A refused batch loaded on an engineer's word: said in the log and to the engineers."""
    from ucj.notify import tell_data_engineers

    text = (f"{batch.source_file} breaks its batch-level expectations and was loaded because "
            f"the run was forced: " + "; ".join(verdict.messages()))
    log.warning(text)
    tell_data_engineers("forced_load", f"[UCJ] forced load of {batch.source_file}", text,
                        source=batch.source, file=batch.source_file,
                        partition=f"{batch.partition_key}={batch.partition_value}")


def _without(chunk: pd.DataFrame, rows: pd.Index) -> pd.DataFrame:
    """``chunk`` without ``rows``; the chunk itself when there are none (a drop of nothing
    still copies every column)."""
    return chunk.drop(index=rows) if len(rows) else chunk


def _with_rule(issues: pd.Series | None, rule: str) -> pd.Index:
    if issues is None:
        return pd.Index([])
    marked = issues.dropna().astype(str)
    return marked.index[marked.str.split(";").map(lambda rules: rule in rules).astype(bool)]


def _with_issues(reasons: pd.Series, issues: pd.Series | None, counts: Counter) -> pd.Series:
    """The validator's reasons with the reader's rule first on the rows it marked."""
    if issues is None or issues.isna().all():
        return reasons
    marked = issues.dropna().astype(str)
    for rules in marked:
        counts.update(rules.split(";"))
    merged = marked.to_dict()
    for idx, rules in reasons.items():
        merged[idx] = f"{merged[idx]};{rules}" if idx in merged else rules
    return pd.Series(merged, dtype="object").sort_index()


def _typed(transform: Callable[[pd.DataFrame], pa.Table],
           df: pd.DataFrame) -> tuple[list[pa.Table], pd.Series, Exception | None]:
    """``transform(df)``; when it fails, the rows that make it fail are found by bisection
    and returned as quarantine reasons (with the first error), the other rows typed."""
    try:
        return [transform(df)], pd.Series(dtype="object"), None
    except _TYPING_ERRORS as exc:
        if len(df) == 0:
            raise
        first_error = exc
    tables, failed = [], []

    def split(part: pd.DataFrame) -> None:
        try:
            tables.append(transform(part))
            return
        except _TYPING_ERRORS:
            if len(part) == 1:
                failed.append(part.index[0])
                return
        middle = len(part) // 2
        split(part.iloc[:middle])
        split(part.iloc[middle:])

    split(df)
    return tables, pd.Series(TYPE_CONVERSION, index=failed, dtype="object"), first_error


_TYPING_ERRORS = (ValueError, TypeError, ArithmeticError, pa.ArrowException)


def restore_interrupted_swap(final: Path) -> bool:
    """A process killed between the two renames of ``lake.swap_in`` leaves the previous
    partition under ``.<name>.<id>.old`` and none in place: put it back (the new one was
    never committed). Returns True when it did. A lake on an object store swaps nothing (its
    commit point is the manifest's PUT): nothing to put back."""
    if lk.is_remote(final):
        return False
    final = Path(final)
    if final.exists() or not final.parent.exists():
        return False
    olds = sorted(final.parent.glob(f".{final.name}.*.old"), key=lambda p: p.stat().st_mtime)
    if not olds:
        return False
    olds[-1].replace(final)
    return True


def build_data_docs(validation_dir: Path, batch: Batch, report: Report, read: int,
                    extra_counts: Counter) -> dict:
    """The batch's GX Data Docs page (one build per batch, from the chunks' merged results).
    Documentation only: a failure to build is logged and recorded, the batch goes on."""
    try:
        docs = datadocs.build(
            validation_dir, suite_name=report.suite, source=batch.source,
            partition_key=batch.partition_key, partition_value=batch.partition_value,
            source_file=batch.source_file, aggregate=report.results,
            batch_info={"rows_read": read, **{f"rows_{k}": v for k, v in extra_counts.items()}})
    except Exception as exc:  # noqa: BLE001 - the data is validated; only its docs are missing
        log.error("Data Docs not built for %s: %s: %s", batch.source_file,
                  type(exc).__name__, exc)
        return {"data_docs": None, "data_docs_error": f"{type(exc).__name__}: {exc}"}
    log.info("Data Docs: %s (built in %.2f s; site %s)", docs["data_docs"],
             docs["data_docs_seconds"], docs["data_docs_index"])
    return docs


def write_report(validation_dir: Path, batch: Batch, report: dict) -> Path:
    folder = (Path(validation_dir) / batch.source
              / lk.partition_name(batch.partition_key, batch.partition_value))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "validation.json"
    path.write_text(json.dumps({"source_file": batch.source_file, **report}, indent=2))
    return path
