"""Batch-level expectations: a delivery that looks wrong as a whole is refused, not loaded.

The row rules of a source's suite judge each row; these judge the batch they add up to. A
batch that breaks one is refused (:class:`BatchRefused`, a deterministic refusal): nothing
is swapped into the lake, so the previous partition and the marts built on it stay exactly
as they were, no alert is raised from it, and the failure callback tells the engineers. Its
validation report and Data Docs page are still written, with these expectations on it.

Each is a Great Expectations expectation evaluated on a one-row frame of the batch's facts
(its quarantine share, its valid rows against the partition it follows or replaces, ...),
through the same engine as the row rules, and shown on the batch's Data Docs page beside
them. The limits are parameters: the Airflow variable ``ucj_batch_limits`` or the
environment's ``UCJ_BATCH_LIMITS`` (JSON) override the defaults below. An engineer who
knows the data really changed loads a refused delivery with the trigger parameter
``force`` (the expectations are still evaluated, recorded and the engineers told).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ucj import config
from ucj.io import lake
from ucj.refusal import Refused

LIMITS: dict[str, float] = {
    # Row errors in a real export come from data entry: a few rows in a hundred at most. A
    # larger share means the export itself went wrong for every row (a column re-formatted,
    # such as every upah written "3.737.482"; another month's file under this name), and
    # loading it would replace a good partition with mostly nothing. One quarantined row
    # alone never refuses a batch (in a registry extract of three changed companies one bad
    # record is a third, and says nothing about the delivery as a whole).
    "max_quarantine_share": 0.10,
    # A participant snapshot lists everyone registered in the district, active and inactive,
    # so it only grows by registrations and shrinks only when participants move to another
    # branch office: a month with fewer than half the valid rows of the one it follows (or
    # of the delivery it replaces) is a partial export. The same holds for a re-delivered
    # APBDes year (realisation grows; lines do not vanish) and a reference year.
    "min_rows_vs_previous": 0.5,
    # A file is exported for one month (one fiscal year): when most of its rows carry
    # another, the file is another period's delivery under this name.
    "max_other_period_share": 0.5,
    # Desa and kelurahan of the region table without a valid row in a reference year that
    # must cover them all (tenaga_kerja_desa: the coverage denominators). Any missing desa
    # would give roll-ups a numerator over one set of desa and a denominator over another.
    "max_missing_codes": 0,
}


def limits(overrides: dict | str | None = None) -> dict:
    """The defaults updated by ``overrides`` (dict or JSON), else by ``UCJ_BATCH_LIMITS``."""
    merged = config.parameters(LIMITS, overrides, "UCJ_BATCH_LIMITS", "batch limit(s)")
    return {k: float(v) for k, v in merged.items()}


@dataclass(frozen=True)
class Policy:
    """How a run applies the batch expectations: their limits, and whether an engineer
    forced the load of a batch that breaks them."""

    limits: dict = field(default_factory=limits)
    force: bool = False


class BatchRefused(Refused):
    """A batch that breaks a batch-level expectation: refused as a whole, nothing loaded."""

    def __init__(self, source_file: str, failed: list[str], data_docs: str | None = None):
        self.source_file, self.failed = source_file, list(failed)
        text = (f"{source_file}: delivery refused as a whole, nothing loaded (the previous "
                f"partition and marts stay as they were): " + "; ".join(self.failed))
        if data_docs:
            text += f". Data Docs: {data_docs}"
        text += (". If the data really changed, run again with the trigger parameter "
                 "force=true.")
        super().__init__(text)


@dataclass
class BatchChecks:
    """What a source declares about its batches; see the module docstring.

    ``period_rule``: the row rule that counts rows of another month or year than the file's.
    ``previous``: partitions (lake folders with a ``_manifest.json``) whose valid rows this
    batch must not collapse against: the one it replaces and the one it follows.
    ``complete_over``: a column and the codes every batch must hold a valid row for."""

    policy: Policy | None = None  # None: the defaults (limits from the environment)
    period_rule: str | None = None
    previous: list[Path] = field(default_factory=list)
    complete_over: tuple[str, frozenset[str]] | None = None

    def __post_init__(self):
        self.policy = self.policy or Policy()

    def facts(self, read: int, valid: int, quarantined: int, counts: dict,
              seen: set[str]) -> dict:
        out = {"rows_read": read, "quarantine_share": quarantined / read if read else 0.0}
        if self.period_rule:
            out["other_period_share"] = counts.get(self.period_rule, 0) / read if read else 0.0
        before = [_rows_valid(p) for p in self.previous]
        before = [n for n in before if n]
        if before:
            out["rows_before"] = max(before)
            out["valid_rows_vs_previous"] = valid / max(before)
        if self.complete_over:
            out["missing_codes"] = sorted(self.complete_over[1] - seen)
            out["codes_missing"] = len(out["missing_codes"])
        return out

    def rules(self, facts: dict) -> list:
        from ucj.validation import rules as r

        gxe = r.gx_expectations()
        limit = self.policy.limits
        # one quarantined row never refuses a batch by itself (see LIMITS)
        share = max(limit["max_quarantine_share"], 1 / facts["rows_read"]
                    if facts["rows_read"] else 0.0)
        out = [r.Rule("batch_quarantine_share",
                      f"at most {share:.1%} of the batch's rows quarantined",
                      gxe.ExpectColumnValuesToBeBetween(column="quarantine_share", min_value=0,
                                                        max_value=share))]
        if self.period_rule:
            out.append(r.Rule(
                "batch_period_matches_file",
                f"at most {limit['max_other_period_share']:.0%} of the rows of another "
                f"period than the file's ({self.period_rule})",
                gxe.ExpectColumnValuesToBeBetween(
                    column="other_period_share", min_value=0,
                    max_value=limit["max_other_period_share"])))
        if "valid_rows_vs_previous" in facts:
            out.append(r.Rule(
                "batch_rows_hold",
                f"valid rows at least {limit['min_rows_vs_previous']:.0%} of the "
                f"{facts['rows_before']} of the partition it replaces or follows",
                gxe.ExpectColumnValuesToBeBetween(column="valid_rows_vs_previous",
                                                  min_value=limit["min_rows_vs_previous"])))
        if self.complete_over:
            out.append(r.Rule(
                "batch_complete",
                f"every code of the region table has a valid row ({self.complete_over[0]})",
                gxe.ExpectColumnValuesToBeBetween(column="codes_missing", min_value=0,
                                                  max_value=limit["max_missing_codes"])))
        return out

    def evaluate(self, suite: str, read: int, valid: int, quarantined: int, counts: dict,
                 seen: set[str]) -> Verdict:
        """Run the batch expectations with GX on the batch's facts."""
        from ucj.validation.engine import Validator

        facts = self.facts(read, valid, quarantined, counts, seen)
        rules = self.rules(facts)
        frame = pd.DataFrame([{k: v for k, v in facts.items() if k != "missing_codes"}])
        outcome = Validator(f"{suite}:batch", rules, distinct=False).validate(frame)
        failed = [rule for rule in rules if outcome.counts[rule.name]]
        return Verdict(facts, rules, failed, outcome.rule_results)


@dataclass
class Verdict:
    facts: dict
    rules: list
    failed: list
    rule_results: list  # GX results, merged into the batch's Data Docs page

    def messages(self) -> list[str]:
        return [f"[rule {rule.name}] {rule.description}: {self._observed(rule.name)}"
                for rule in self.failed]

    def _observed(self, name: str) -> str:
        f = self.facts
        if name == "batch_quarantine_share":
            return f"{f['quarantine_share']:.1%} of {f['rows_read']} rows quarantined"
        if name == "batch_period_matches_file":
            return f"{f['other_period_share']:.1%} of the rows are of another period"
        if name == "batch_rows_hold":
            return f"{f['valid_rows_vs_previous']:.1%} of the previous valid rows"
        missing = f["missing_codes"]
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        return f"{len(missing)} missing: {', '.join(missing[:10])}{more}"

    def as_dict(self, forced: bool) -> dict:
        return {"success": not self.failed, "forced": forced and bool(self.failed),
                "facts": self.facts,
                "rules": [{"rule": rule.name, "description": rule.description,
                           "success": rule not in self.failed} for rule in self.rules]}


def _rows_valid(partition: Path) -> int | None:
    if not lake.has_manifest(partition):
        return None
    return int(lake.read_manifest(partition).get("rows_valid") or 0)

