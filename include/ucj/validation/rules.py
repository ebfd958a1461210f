"""A rule is one Great Expectations expectation with a stable name and a severity.

Sources declare their rules in ``ucj.contracts.<source>``; the engine runs them and turns the
failing row indexes into quarantine reasons. Only ``error`` rules quarantine a row; ``warning``
rules are counted in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


# Derived columns (``x_...``) are computed by a contract's prepare() from the delivered ones, for
# checks GX cannot make on the text as delivered (a count parsed, a NIK's date digits). A rule
# on them names the delivered columns in ``columns``, in its expectation's order (column_A,
# column_B). The Data Docs show those names, the ones the data provider knows: derived name ->
# delivered name, filled as rules are made (the same derived column has one source everywhere).
_DERIVED = "x_"
_COLUMN_FIELDS = ("column", "column_A", "column_B")
_SOURCE_NAMES: dict[str, str] = {}


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    expectation: Any  # a great_expectations.expectations.Expectation
    severity: str = ERROR
    columns: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        checked = [c for c in (getattr(self.expectation, f, None) for f in _COLUMN_FIELDS)
                   if isinstance(c, str)]
        if len(checked) == len(self.columns):
            for derived, delivered in zip(checked, self.columns, strict=True):
                if derived.startswith(_DERIVED) and not delivered.startswith(_DERIVED):
                    _SOURCE_NAMES.setdefault(derived, delivered)


def source_names() -> dict[str, str]:
    """Derived column -> the delivered column it is computed from, for the rules made so far
    in this process (display only: the Data Docs)."""
    return dict(_SOURCE_NAMES)


def gx_expectations():
    """The GX expectations module, imported on first use (it takes seconds to import)."""
    import os

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TQDM_DISABLE", "1")  # GX's metric progress bars flood task logs
    import great_expectations.expectations as gxe

    return gxe


def required(columns: list[str]) -> list[Rule]:
    gxe = gx_expectations()
    return [
        Rule(f"{c}_required", f"{c} is present", gxe.ExpectColumnValuesToNotBeNull(column=c),
             columns=(c,))
        for c in columns
    ]


def regex(name: str, column: str, pattern: str, description: str, severity: str = ERROR,
          **kw) -> Rule:
    gxe = gx_expectations()
    return Rule(name, description,
                gxe.ExpectColumnValuesToMatchRegex(column=column, regex=pattern, **kw),
                severity=severity, columns=(column,))


def in_set(name: str, column: str, values, description: str, **kw) -> Rule:
    gxe = gx_expectations()
    return Rule(name, description,
                gxe.ExpectColumnValuesToBeInSet(column=column, value_set=sorted(values), **kw),
                columns=(column,))


def date_format(name: str, column: str, fmt: str, description: str) -> Rule:
    gxe = gx_expectations()
    return Rule(name, description,
                gxe.ExpectColumnValuesToMatchStrftimeFormat(column=column, strftime_format=fmt),
                columns=(column,))


def column(name: str):
    """A GX row-condition column: ``column("segmen") == "PU"``."""
    gx_expectations()
    from great_expectations.expectations.row_conditions import Column

    return Column(name)


def when(condition) -> dict:
    """Keyword arguments restricting an expectation to the rows matching a GX condition."""
    return {"row_condition": condition}
