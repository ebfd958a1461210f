"""Every source the platform takes in, declared once: how its deliveries are recognised, how
they are read and validated, where they land in the lake, what the warehouse stages them
as, and the Airflow Asset its DAG publishes.

The DAGs, the lake batch (``ucj.pipeline``) and the lake paths (``ucj.io.lake``) take these
from here instead of repeating them; a new source is one more :class:`Source` in
:data:`SOURCES` plus its contract module (see ``docs/architecture.md``).

Light to import: DAG files import it (through ``ucj.assets``) each time they are parsed, so
nothing here imports pandas, pyarrow, Great Expectations or Airflow at module level. The
reader, the contract's columns and rules and the lake schema are import strings, loaded
when a task first asks for them; the Asset is built on first use.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ucj.refusal import UnknownDelivery

_ASSETS: dict[str, Any] = {}  # one Asset object per name (the reference tables share one)


def load(ref: str) -> Any:
    """``"package.module:attr.attr"`` -> the object (the module itself without ``:``)."""
    module, _, attrs = ref.partition(":")
    obj = importlib.import_module(module)
    for attr in filter(None, attrs.split(".")):
        obj = getattr(obj, attr)
    return obj


@dataclass(frozen=True)
class Source:
    """One source. ``name`` is its lake dataset: valid rows in ``<lake>/<name>/<key>=<value>``,
    the quarantine in ``<lake>/quarantine/<name>/<key>=<value>``, raw copies in
    ``<lake>/raw/<name>/<key>=<value>/sha256=<hex16>/<file>`` (paths made by ``ucj.io.lake``)."""

    name: str
    # -- landing: the folder of the landing zone and the names a delivery may have
    landing_folder: str
    file_pattern: str  # a delivered file's name (its groups make the partition value)
    landing_templates: tuple[str, ...]  # one partition's names, ``{stamp}`` = value sans '-'
    wrong_name: str  # what a file that does not match is told
    # -- the lake: one partition per ``partition_key`` value
    partition_key: str  # periode | tahun | extract
    partition_format: str | None  # the value from the name's groups, e.g. "{0}-{1}"
    # -- reading and the contract (import strings: loaded when a task runs)
    reader: str  # (path, columns, chunk_rows=...) -> frames of text columns
    columns: str  # the contract's columns, in delivery order
    rules: str  # the GX suite's rules: (partition value, desa codes) -> [Rule]
    schema: str  # the lake partition's Arrow schema
    suite: str  # the GX suite's name; ``{value}`` = the partition value
    # -- downstream
    asset_name: str
    asset_uri: str
    staging_table: str  # what the warehouse stages a partition into
    ignore_case: bool = False  # file names matched case-insensitively
    rules_by_partition: bool = True  # False: rules(desa codes) (the registry: no period)
    landing_glob: str = "*.csv"  # what a DAG listing the landing folder picks up

    # -- recognising a delivery -------------------------------------------------------------

    @cached_property
    def pattern(self) -> re.Pattern:
        return re.compile(self.file_pattern, re.IGNORECASE if self.ignore_case else 0)

    def matches(self, filename: str) -> bool:
        return bool(self.pattern.match(filename))

    def partition_of(self, filename: str) -> str:
        """The partition a delivered file fills (``kepesertaan_202601.csv`` -> ``2026-01``);
        :class:`UnknownDelivery` naming the file when it is no delivery of this source."""
        m = self.pattern.match(filename)
        if not m or self.partition_format is None:
            raise UnknownDelivery(f"{filename}: refused: {self.wrong_name}")
        return self.partition_format.format(*m.groups())

    def landing_names(self, value: str | int) -> list[str]:
        """The names partition ``value``'s delivery may have, in order of preference."""
        stamp = str(value).replace("-", "")
        return [t.format(stamp=stamp) for t in self.landing_templates]

    # -- the contract, loaded on first use ---------------------------------------------------

    def column_names(self) -> list[str]:
        return list(load(self.columns))

    def lake_schema(self):
        return load(self.schema)

    def suite_name(self, value: str) -> str:
        return self.suite.format(value=value)

    def gx_rules(self, value: str | None, villages: set[str]) -> list:
        build = load(self.rules)
        return build(value, villages) if self.rules_by_partition else build(villages)

    def rule_names(self, value: str | None = None) -> list[str]:
        """The names of the contract's rules (what the quarantine and Data Docs show)."""
        from ucj import wilayah

        return [rule.name for rule in self.gx_rules(value, wilayah.village_codes())]

    def validator(self, value: str):
        """The GX validator of record for partition ``value``."""
        from ucj import wilayah
        from ucj.validation.engine import Validator

        return Validator(self.suite_name(value), self.gx_rules(value, wilayah.village_codes()))

    def read(self, path: Path, chunk_rows: int | None = None) -> Iterator:
        """The delivered (or extracted) file as frames of text columns."""
        options = {"chunk_rows": chunk_rows} if chunk_rows else {}
        return load(self.reader)(path, self.column_names(), **options)

    # -- Airflow ------------------------------------------------------------------------------

    @property
    def asset(self):
        """The Airflow Asset the source's DAG emits when a partition is committed."""
        if self.asset_name not in _ASSETS:
            from airflow.sdk import Asset

            _ASSETS[self.asset_name] = Asset(name=self.asset_name, uri=self.asset_uri)
        return _ASSETS[self.asset_name]


ENROLLMENT = Source(
    name="enrollment",
    landing_folder="enrollment",
    file_pattern=r"^kepesertaan_(\d{4})(0[1-9]|1[0-2])\.(csv|xlsx)$", ignore_case=True,
    landing_templates=("kepesertaan_{stamp}.csv", "kepesertaan_{stamp}.xlsx"),
    wrong_name=("not an enrollment file name (kepesertaan_YYYYMM.csv|.xlsx with a month "
                "01-12)"),
    partition_key="periode", partition_format="{0}-{1}",
    reader="ucj.pipeline.enrollment:read",
    columns="ucj.contracts.enrollment:COLUMNS",
    rules="ucj.contracts.enrollment:rules",
    schema="ucj.pipeline.enrollment:SCHEMA",
    suite="enrollment_{value}",
    asset_name="ucj_lake_enrollment", asset_uri="ucj://lake/enrollment",
    staging_table="staging.enrollment",
)

# The registry comes from its HTTP API (``ucj.registry.client``): each extract is one
# partition named by its time; the landing folder holds the CSV snapshot the client falls back
# on when the API is unreachable (never a partition of its own).
REGISTRY = Source(
    name="registry",
    landing_folder="registry",
    file_pattern=r"^perusahaan_(\d{8})\.csv$",
    landing_templates=("perusahaan_{stamp}.csv",),
    wrong_name="not a registry snapshot name (perusahaan_YYYYMMDD.csv)",
    partition_key="extract", partition_format=None,
    reader="ucj.pipeline.registry:read",
    columns="ucj.contracts.registry:COLUMNS",
    rules="ucj.contracts.registry:rules", rules_by_partition=False,
    schema="ucj.pipeline.registry:SCHEMA",
    suite="registry",
    asset_name="ucj_lake_registry", asset_uri="ucj://lake/registry",
    staging_table="staging.registry",
)

VILLAGE_BUDGET = Source(
    name="village_budget",
    landing_folder="village_budget",
    file_pattern=r"^apbdes_(\d{4})\.csv$", ignore_case=True,
    landing_templates=("apbdes_{stamp}.csv",),
    wrong_name="not an APBDes file name (apbdes_YYYY.csv)",
    partition_key="tahun", partition_format="{0}",
    reader="ucj.pipeline.apbdes:read",
    columns="ucj.contracts.apbdes:COLUMNS",
    rules="ucj.contracts.apbdes:rules",
    schema="ucj.pipeline.apbdes:SCHEMA",
    suite="apbdes_{value}",
    asset_name="ucj_lake_village_budget", asset_uri="ucj://lake/village_budget",
    staging_table="staging.apbdes",
)


def _reference(table: str, file_pattern: str, templates: tuple[str, ...],
               partition_format: str) -> Source:
    """A yearly reference table (SOURCES.md section 4): all share the landing folder
    ``reference/``, the ``ucj_reference`` DAG and its Asset."""
    contract = f"ucj.contracts.reference:{table.upper()}"
    return Source(
        name=f"reference/{table}",
        landing_folder="reference",
        file_pattern=file_pattern, landing_templates=templates,
        wrong_name=f"not a {table} file",
        partition_key="tahun", partition_format=partition_format,
        reader="ucj.pipeline.reference:read",
        columns=f"{contract}.columns", rules=f"{contract}.rules", schema=f"{contract}.schema",
        suite=f"reference_{table}_{{value}}",
        asset_name="ucj_lake_reference", asset_uri="ucj://lake/reference",
        staging_table=f"staging.{table}",
    )


TENAGA_KERJA_DESA = _reference("tenaga_kerja_desa", r"^tenaga_kerja_desa_(\d{4})\.csv$",
                               ("tenaga_kerja_desa_{stamp}.csv",), "{0}")
NON_ASN = _reference("non_asn", r"^non_asn_(\d{4})\.csv$", ("non_asn_{stamp}.csv",), "{0}")
UMK = _reference("umk", r"^umk\.csv$", ("umk.csv",), "all")  # one file, every year
REFERENCE = (TENAGA_KERJA_DESA, NON_ASN, UMK)

SOURCES: tuple[Source, ...] = (ENROLLMENT, REGISTRY, VILLAGE_BUDGET, *REFERENCE)


def get(name: str) -> Source:
    """The source named ``name`` (its lake dataset, e.g. ``enrollment``, ``reference/umk``)."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"no source {name!r} (known: {', '.join(s.name for s in SOURCES)})")


def in_folder(landing_folder: str) -> list[Source]:
    return [s for s in SOURCES if s.landing_folder == landing_folder]


def recognise(landing_folder: str, filename: str) -> Source:
    """The source a file delivered to ``landing_folder`` belongs to; a name that is none of
    them is refused (:class:`UnknownDelivery`, naming the file and what was expected)."""
    candidates = in_folder(landing_folder)
    for source in candidates:
        if source.matches(filename):
            return source
    if len(candidates) == 1:
        raise UnknownDelivery(f"{filename}: refused: {candidates[0].wrong_name}")
    raise UnknownDelivery(f"{filename}: refused: not a {landing_folder} table of the contract "
                          f"({', '.join(s.file_pattern for s in candidates)})")
