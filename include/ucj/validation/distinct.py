"""Row-wise rules validated once per distinct value combination, not once per row.

A row-wise expectation (null, regex, set, range, date format, column-pair comparison, with or
without a row condition) answers for a row from that row's values alone. So a column group
made only of such rules gives the same outcome to every row holding the same values: GX
validates the *distinct* combinations of the group's columns, and each row takes the outcome
of its combination. Subang has 253 desa and kelurahan, a date column far fewer distinct
values than a month has rows; only kpj, NIK and nama are nearly all distinct.

Combinations GX has already validated are remembered across the chunks of a batch (up to
``CACHE_MAX`` of them: memory stays bounded), so later chunks send GX only what is new. A
group whose chunk is mostly new combinations (kpj, NIK) stops remembering.

The outcome per row is exact, and so are the Data Docs counts: for each combination we keep
whether it is in the rule's domain (its row condition), missing (GX's own rule: a null in the
column, or in the pair as ``ignore_row_if`` says) and unexpected (GX's answer), and every
GX answer is checked against those flags' totals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

CACHE_MAX = 200_000  # remembered combinations per column group
SAMPLE = 20  # unexpected row numbers and values reported per rule and chunk (as GX's partial)
# GX's MAX_RESULT_RECORDS: even in a COMPLETE result GX lists the values of only the first 200
# unexpected rows (all their row numbers, though), and counts the most common among those.
GX_VALUES_MAX = 200
NA_KEY = "\x00"  # a null in a combination's key (no CSV value holds NUL)
SEPARATOR = "\x1f"

# GX expectation types whose answer for a row depends on that row's values only.
ROW_WISE = frozenset({
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
    "expect_column_values_to_match_regex", "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_strftime_format",
    "expect_column_pair_values_to_be_equal", "expect_column_pair_values_a_to_be_greater_than_b",
})
_NULL_RULES = {"expect_column_values_to_not_be_null", "expect_column_values_to_be_null"}


@dataclass
class RuleResult:
    """One rule's answer on one chunk, in GX's result shape plus the failing rows."""
    config: object  # the GX ExpectationConfiguration
    success: bool
    result: dict
    exception_info: dict
    unexpected_index: list  # row labels, in row order


def row_wise(configs) -> bool:
    """True when every expectation of a group can be answered per distinct combination."""
    return all(c.type in ROW_WISE and c.kwargs.get("mostly") in (None, 1, 1.0)
               for c in configs)


class DistinctGroup:
    """A column group of row-wise rules (GX expectations), validated by ``run`` (a frame ->
    GX suite result) on the distinct combinations of ``columns``."""

    compact = False  # validated on the values as read

    def __init__(self, columns: list[str], expectations: list, run):
        self.columns = columns
        self.expectations = expectations
        self.configs = [e.configuration for e in expectations]
        self.run = run
        self._known: dict[str, int] = {}  # key of a remembered combination -> its number
        self._flags = {c.meta["rule"]: _Flags.empty() for c in self.configs}
        self._values: dict[str, dict[int, object]] = {c.meta["rule"]: {} for c in self.configs}
        self.remember = True

    def validate(self, frame: pd.DataFrame) -> list[RuleResult]:
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:  # GX names the rule that cannot find its column
            for res in self.run(frame).results:
                raise_on_exception(res)
            raise ValidationEngineError(f"columns {missing} are missing")
        codes, first = _combinations(frame, self.columns)
        if not self._known and (not self.remember or len(first) > len(frame) // 2):
            # Nothing remembered and nothing to remember (mostly new values: the kpj and NIK
            # of a first chunk): every combination is new, so no text key is made, looked
            # up or stored (on a district chunk that was over half the group's time, GX's
            # run included).
            remember = False
            at = self._validate_new(frame.iloc[first][self.columns], None)
            new = at
        else:
            keys = _keys(frame.iloc[first], self.columns)
            # keys that read alike as text cannot be told apart among the remembered ones
            remember = self.remember and keys.is_unique
            if not remember:
                self._forget()
            at = self._lookup(keys)
            new = np.flatnonzero(at < 0)
            if len(new):
                at[new] = self._validate_new(frame.iloc[first[new]][self.columns],
                                             keys[new] if remember else None)
        ids = at[codes]  # per row: where its combination's flags are
        rows_of = np.bincount(ids, minlength=self._size)  # rows per combination
        results = [self._rule_result(c, frame.index, ids, rows_of) for c in self.configs]
        if len(new) > len(frame) // 2 or self._size > CACHE_MAX:
            self.remember = False  # mostly new values (kpj, NIK): remembering them is waste
        if not (remember and self.remember):
            self._forget()
        return results

    def _lookup(self, keys: pd.Index) -> np.ndarray:
        """Each key's remembered number, -1 for a new one."""
        known = self._known
        if not known:
            return np.full(len(keys), -1, dtype=np.int64)
        return np.fromiter((known.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))

    def _validate_new(self, combos: pd.DataFrame, keys: pd.Index | None) -> np.ndarray:
        """GX's answers for new combinations, numbered after the remembered ones; their
        keys (None: not to be remembered) are remembered with their numbers."""
        start = self._size
        combos = combos.reset_index(drop=True)
        suite_result = self.run(combos)
        for res in suite_result.results:
            raise_on_exception(res)
            rule = res.expectation_config.meta["rule"]
            flags = _Flags.of(res.expectation_config, res.result, combos)
            self._flags[rule] = self._flags[rule].append(flags)
            unexpected = [int(i) for i in res.result.get("unexpected_index_list") or []]
            listed = res.result.get("unexpected_list") or []
            values = listed + _values(res.expectation_config, combos, unexpected[len(listed):])
            for i, value in zip(unexpected, values, strict=True):
                self._values[rule][start + i] = tuple(value) if isinstance(
                    value, list) else value
        if keys is not None:
            self._known.update(zip(keys, range(start, start + len(combos)), strict=True))
        return np.arange(start, start + len(combos))

    @property
    def _size(self) -> int:
        """Combinations with flags: the remembered ones, or this chunk's."""
        return len(next(iter(self._flags.values())).domain)

    def _forget(self) -> None:
        self._known = {}
        self._flags = {rule: _Flags.empty() for rule in self._flags}
        self._values = {rule: {} for rule in self._values}

    def _rule_result(self, config, index: pd.Index, ids: np.ndarray,
                     rows_of: np.ndarray) -> RuleResult:
        rule = config.meta["rule"]
        flags = self._flags[rule]
        bad = flags.unexpected[ids]
        bad_ids = ids[bad]
        rows = index[bad].tolist()
        values = self._values[rule]
        element = int(rows_of[flags.domain].sum())
        missing = int(rows_of[flags.missing].sum())
        result = {
            "element_count": element,
            "missing_count": None if config.type in _NULL_RULES else missing,
            "unexpected_count": len(rows),
            "unexpected_index_list": rows,
            "partial_unexpected_index_list": rows[:SAMPLE],
            "partial_unexpected_list": [values[i] for i in bad_ids[:SAMPLE]],
            "partial_unexpected_counts": _most_common(
                values[i] for i in bad_ids[:GX_VALUES_MAX]),
        }
        no_exception = {"raised_exception": False, "exception_message": None,
                        "exception_traceback": None}
        return RuleResult(config, not rows, result, no_exception, rows)


@dataclass
class _Flags:
    """Per remembered combination: in the rule's domain, missing, unexpected."""
    domain: np.ndarray
    missing: np.ndarray
    unexpected: np.ndarray

    @classmethod
    def empty(cls) -> _Flags:
        return cls(*(np.zeros(0, dtype=bool) for _ in range(3)))

    @classmethod
    def of(cls, config, result: dict, combos: pd.DataFrame) -> _Flags:
        """The flags of freshly validated combinations, checked against GX's own totals."""
        n = len(combos)
        domain = _in_domain(config.kwargs.get("row_condition"), combos)
        missing = domain & _missing(config, combos)
        unexpected = np.zeros(n, dtype=bool)
        unexpected[np.asarray(result.get("unexpected_index_list") or [], dtype=int)] = True
        expected = (result.get("element_count"), result.get("missing_count") or 0,
                    result.get("unexpected_count"))
        got = (int(domain.sum()), int(missing.sum()), int(unexpected.sum()))
        if expected != got:
            raise AssertionError(f"rule {config.meta['rule']}: GX counted (element, missing, "
                                 f"unexpected) {expected}, the combinations' flags {got}")
        return cls(domain, missing, unexpected)

    def append(self, other: _Flags) -> _Flags:
        return _Flags(*(np.concatenate([a, b]) for a, b in
                        ((self.domain, other.domain), (self.missing, other.missing),
                         (self.unexpected, other.unexpected))))


def _in_domain(condition, combos: pd.DataFrame) -> np.ndarray:
    """Which combinations a GX row condition keeps, by GX's own pandas filter."""
    if not condition:
        return np.ones(len(combos), dtype=bool)
    from great_expectations.execution_engine import PandasExecutionEngine

    kept = PandasExecutionEngine()._apply_row_condition_filter(
        combos, condition, {"condition_parser": "pandas"})
    return combos.index.isin(kept.index)


def _missing(config, combos: pd.DataFrame) -> np.ndarray:
    """GX's missing values: nulls of the column, or of the pair as ``ignore_row_if`` says;
    the null rules count nulls as their answer, never as missing."""
    kwargs = config.kwargs
    if config.type in _NULL_RULES:
        return np.zeros(len(combos), dtype=bool)
    if "column" in kwargs:
        return combos[kwargs["column"]].isna().to_numpy()
    a, b = combos[kwargs["column_A"]].isna(), combos[kwargs["column_B"]].isna()
    how = kwargs.get("ignore_row_if", "both_values_are_missing")
    if how == "either_value_is_missing":
        return (a | b).to_numpy()
    if how == "both_values_are_missing":
        return (a & b).to_numpy()
    return np.zeros(len(combos), dtype=bool)


def _values(config, combos: pd.DataFrame, positions: list[int]) -> list:
    """The values GX would list for these unexpected combinations, past the ones it listed:
    a column's value, or a pair's (A, B)."""
    kwargs = config.kwargs
    if "column" in kwargs:
        return [combos[kwargs["column"]].iloc[i] for i in positions]
    a, b = combos[kwargs["column_A"]].values, combos[kwargs["column_B"]].values
    return [(a[i], b[i]) for i in positions]


def _combinations(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(per row: the number of its combination, per combination: its first row position).
    Several columns: each column numbered on its own, the numbers combined into one integer
    and that numbered (a groupby over text columns takes several times longer)."""
    codes, _ = pd.factorize(frame[columns[0]], use_na_sentinel=False)
    for col in columns[1:]:
        more, uniques = pd.factorize(frame[col], use_na_sentinel=False)
        codes, _ = pd.factorize(codes.astype(np.int64) * (len(uniques) + 1) + more)
    # the first row of each combination in one pass (no sort): the last write wins
    first = np.empty(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return codes, first


def _keys(rows: pd.DataFrame, columns: list[str]) -> pd.Index:
    """One text key per combination (nulls as NUL), to find it among the remembered ones."""
    parts = [rows[c].astype("string").fillna(NA_KEY) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + SEPARATOR + part
    return pd.Index(key.to_numpy(dtype=object), dtype=object)


def _most_common(unexpected_values) -> list[dict]:
    """The most common unexpected values, as GX reports them: in row order of first
    occurrence among equal counts, then by count and value."""
    common = Counter(unexpected_values).most_common(SAMPLE)
    try:
        common = sorted(common, key=lambda x: (-x[1], x[0]))
    except TypeError:  # values that do not compare (a null among texts): GX's order
        pass
    return [{"value": v, "count": n} for v, n in common]


class ValidationEngineError(RuntimeError):
    """An expectation raised instead of answering: the batch cannot be trusted, so stop."""


def raise_on_exception(res) -> None:
    """Stop on a GX result whose expectation raised."""
    message = exception_message(res.exception_info)
    if message is not None:
        rule = res.expectation_config.meta["rule"]
        raise ValidationEngineError(f"rule {rule} could not be evaluated: {message}")


def exception_message(info: dict | None) -> str | None:
    """GX's message when an expectation raised: its exception info is either flat or, when a
    metric failed, keyed by the metric."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None
