"""Run a source's rules with Great Expectations; name the failing rows for the quarantine."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from ucj.validation import gx_memo
from ucj.validation.datadocs import ResultAggregate
from ucj.validation.distinct import (  # noqa: F401 - ValidationEngineError is ours to raise
    DistinctGroup,
    RuleResult,
    ValidationEngineError,
    raise_on_exception,
    row_wise,
)
from ucj.validation.rules import ERROR, Rule, gx_expectations

_context = None
_ids = itertools.count()


def _gx_context():
    global _context
    if _context is None:
        gx_expectations()  # sets the quiet-GX environment before the import below
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every batch frame smaller than this (an md5 of a hash of each
        # row) for its batch markers, which nothing here reads: the chunks' results are
        # merged and stored once (ucj.validation.datadocs). It was half the run of the
        # mostly distinct group (kpj, NIK).
        pandas_execution_engine.HASH_THRESHOLD = 0
        _context = gx.get_context(mode="ephemeral")
        # Metric progress bars would flood the Airflow task logs.
        _context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False)
    return _context


@dataclass
class ChunkOutcome:
    reasons: pd.Series  # index -> ";"-joined failed error rules (only failing rows)
    counts: Counter  # rule -> rows failing it (errors and warnings)
    rule_results: list[RuleResult] = field(default_factory=list)  # merged into the Data Docs


@dataclass
class Report:
    suite: str
    rules: list[Rule]
    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    results: ResultAggregate | None = None  # GX results merged over the chunks

    def __post_init__(self):
        if self.results is None:
            self.results = ResultAggregate({r.name: r.description for r in self.rules})

    def add(self, rows: int, outcome: ChunkOutcome) -> None:
        self.rows += rows
        self.counts.update(outcome.counts)
        self.results.add(outcome.rule_results)

    def merge(self, other: Report) -> None:
        """Add another part's report of the same suite."""
        self.rows += other.rows
        self.counts.update(other.counts)
        self.results.merge(other.results)

    def as_dict(self) -> dict:
        failed = [r for r in self.rules if r.severity == ERROR and self.counts[r.name]]
        return {
            "suite": self.suite,
            "engine": "great_expectations",
            "rows_evaluated": self.rows,
            "success": not failed,
            "rules": [
                {"rule": r.name, "severity": r.severity, "description": r.description,
                 "columns": list(r.columns), "unexpected_count": self.counts[r.name]}
                for r in self.rules
            ],
        }


class Validator:
    """A GX expectation suite over pandas batches; build once, validate many chunks.

    The suite runs as one GX validation per *column group* (the rules reading the same
    columns), each on a frame of just those columns: with row-level (COMPLETE) results GX
    slices its whole batch frame for every expectation, so a narrow frame is faster. A group
    of row-wise rules is validated on its distinct value combinations
    (``ucj.validation.distinct``); a group with a rule over many rows (uniqueness) on its
    rows. Every rule is a GX expectation, and the results of all groups are merged back into
    one suite result for the Data Docs. ``distinct=False`` validates every group on its rows
    (the reference the distinct way is tested against)."""

    def __init__(self, suite: str, rules: list[Rule], distinct: bool = True):
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate rule names in suite {suite}")
        self.suite_name = suite
        self.rules = rules
        for rule in rules:
            rule.expectation.meta = {"rule": rule.name, "severity": rule.severity}
        self._batch_definition = batch_definition = _batch_definition(suite)
        self._groups = [
            self._group(batch_definition, list(columns), [r.expectation for r in group], distinct)
            for columns, group in column_groups(rules).items()]
        self._severity = {r.name: r.severity for r in rules}
        self._order = {r.name: i for i, r in enumerate(rules)}
        # GX's date-format check misreads categoricals: those columns stay text.
        date_format = "ExpectColumnValuesToMatchStrftimeFormat"
        self._as_text = {c for r in rules for c in r.columns
                         if type(r.expectation).__name__ == date_format}

    def _group(self, batch_definition, columns: list[str], expectations: list, distinct: bool):
        run = _suite_runner(batch_definition, f"{self.suite_name}:{','.join(columns)}",
                            expectations)
        if distinct and row_wise([e.configuration for e in expectations]):
            return DistinctGroup(columns, expectations, run)
        return _RowGroup(columns, expectations, run, compact=True)

    def _merge_mostly_distinct(self) -> None:
        """Row-wise groups whose values are mostly distinct (kpj, NIK, nama) gain nothing
        from their combinations: they go into one group GX validates on its rows, one GX
        run a chunk instead of one each."""
        merged = [g for g in self._groups if isinstance(g, DistinctGroup) and not g.remember]
        if not merged:
            return
        old = next((g for g in self._groups if isinstance(g, _RowGroup) and g.merged), None)
        merged += [old] if old else []
        columns = sorted({c for g in merged for c in g.columns})
        expectations = [e for g in merged for e in g.expectations]
        group = _RowGroup(columns, expectations, _suite_runner(
            self._batch_definition, f"{self.suite_name}:mostly-distinct", expectations),
            compact=False, merged=True)
        self._groups = [g for g in self._groups if g not in merged] + [group]

    def new_report(self) -> Report:
        return Report(self.suite_name, self.rules)

    def validate(self, df: pd.DataFrame) -> ChunkOutcome:
        if not df.index.is_unique:
            raise ValueError("validation needs a unique index to name failing rows")
        compacted = None
        results: list[RuleResult] = []
        for group in self._groups:
            # a column missing from the frame is left for GX to report as its own error
            present = [c for c in group.columns if c in df.columns]
            if group.compact and compacted is None:
                compacted = compact(df, self._as_text)
            results += group.validate((compacted if group.compact else df)[present])
        self._merge_mostly_distinct()
        counts: Counter = Counter()
        failing: dict[object, list[str]] = {}
        # rule order, so each row's reasons list its rules as the suite does
        for res in sorted(results, key=lambda r: self._order[r.config.meta["rule"]]):
            rule = res.config.meta["rule"]
            counts[rule] = len(res.unexpected_index)
            if self._severity[rule] == ERROR:
                for idx in res.unexpected_index:
                    failing.setdefault(idx, []).append(rule)
        reasons = pd.Series({i: ";".join(r) for i, r in failing.items()}, dtype="object")
        reasons = reasons.sort_index()
        return ChunkOutcome(reasons=reasons, counts=counts, rule_results=results)


class _RowGroup:
    """A column group GX validates on all its rows: it holds a rule over many rows
    (uniqueness), or its values are mostly distinct. ``compact``: it is given its frame
    with low-cardinality text as categoricals (see :func:`compact`); ``merged``: it holds
    the mostly distinct groups (see ``Validator._merge_mostly_distinct``)."""

    def __init__(self, columns: list[str], expectations: list, run, compact: bool,
                 merged: bool = False):
        self.columns = columns
        self.expectations = expectations
        self.run = run
        self.compact = compact
        self.merged = merged

    def validate(self, frame: pd.DataFrame) -> list[RuleResult]:
        out = []
        for res in self.run(frame).results:
            raise_on_exception(res)
            out.append(RuleResult(res.expectation_config, bool(res.success), res.result,
                                  res.exception_info,
                                  res.result.get("unexpected_index_list") or []))
        return out


def _batch_definition(suite: str):
    """A whole-dataframe batch definition in the ephemeral context: one per validator, its
    frame given at each run (GX saves its configuration at each registration)."""
    ctx = _gx_context()
    uid = f"{suite}_{next(_ids)}"  # the ephemeral context is shared per process
    asset = ctx.data_sources.add_pandas(f"ds_{uid}").add_dataframe_asset(f"a_{uid}")
    return asset.add_batch_definition_whole_dataframe(f"b_{uid}")


def _suite_runner(batch_definition, name: str, expectations: list):
    """A function validating a frame with a GX suite of ``expectations``: GX's validator on
    the batch definition, without storing each result (the batch's results are merged and
    stored once, see ``ucj.validation.datadocs``)."""
    import great_expectations as gx
    from great_expectations.validator.v1_validator import Validator as GxValidator

    gx_suite = gx.ExpectationSuite(name, expectations=expectations)

    def run(frame: pd.DataFrame):
        validator = GxValidator(batch_definition=batch_definition,
                                batch_parameters={"dataframe": frame},
                                result_format={"result_format": "COMPLETE"})
        with gx_memo.memoized():  # each expectation's configuration built once a run
            return validator.validate_expectation_suite(gx_suite)

    return run


def column_groups(rules: list[Rule]) -> dict[tuple[str, ...], list[Rule]]:
    """Rules grouped by the columns their expectation reads (its column arguments and the
    columns of its row condition), in rule order."""
    groups: dict[tuple[str, ...], list[Rule]] = {}
    for rule in rules:
        kwargs = rule.expectation.configuration.kwargs
        columns = _condition_columns(kwargs.get("row_condition")) | {
            c for key in ("column", "column_A", "column_B") if (c := kwargs.get(key))}
        columns |= set(kwargs.get("column_list") or [])
        groups.setdefault(tuple(sorted(columns)), []).append(rule)
    return groups


def _condition_columns(condition) -> set[str]:
    """Column names in a GX row condition (serialised as nested dicts and lists)."""
    if isinstance(condition, str) and condition.strip():
        raise ValueError(f"a string row condition names no columns we can see: {condition!r}")
    return _names(condition)


def _names(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["name"]} if set(node) == {"name"} and isinstance(node["name"], str) \
            else set()
        return found.union(*(_names(v) for v in node.values()))
    if isinstance(node, list | tuple):
        return set().union(*(_names(v) for v in node))
    return set()


def compact(df: pd.DataFrame, keep: set[str] = frozenset()) -> pd.DataFrame:
    """Low-cardinality text columns as categoricals: GX filters the whole frame for each
    expectation, and taking rows of a categorical is an integer take (GX runs ~2x faster
    on a district month). Values, and so every rule's outcome, are unchanged. Derived ``x_``
    columns stay as they are: pair rules compare them, and categoricals with different
    categories never compare equal."""
    out = df.copy(deep=False)
    limit = max(50, len(df) // 20)
    for col in out.columns:
        if col.startswith("x_") or col in keep:
            continue
        if out[col].dtype.kind in "OT" or str(out[col].dtype) in ("str", "string"):
            if out[col].nunique(dropna=True) <= limit:
                out[col] = out[col].astype("category")
    return out
