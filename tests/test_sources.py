"""Every source is declared once (``ucj.sources``) and the code takes it from there: the DAGs'
outlet Assets, the lake batch's dataset, key, columns and schema, and the lake paths, which
only ``ucj.io.lake`` makes."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ucj import sources
from ucj.io import lake
from ucj.refusal import UnknownDelivery

ROOT = Path(__file__).resolve().parent.parent
# the DAG that takes each landing folder's deliveries in
DAG_OF = {"enrollment": "ucj_enrollment", "registry": "ucj_registry",
          "village_budget": "ucj_village_budget", "reference": "ucj_reference"}


def test_every_source_is_declared_once():
    names = [s.name for s in sources.SOURCES]
    assert len(names) == len(set(names)), names
    tables = [s.staging_table for s in sources.SOURCES]
    assert len(tables) == len(set(tables)), tables
    assert names == ["enrollment", "registry", "village_budget", "reference/tenaga_kerja_desa",
                     "reference/non_asn", "reference/umk"]
    for source in sources.SOURCES:
        assert sources.get(source.name) is source
        assert source.partition_key in ("periode", "tahun", "extract")
        assert source.landing_folder in DAG_OF
    with pytest.raises(KeyError):
        sources.get("kepesertaan")


def test_every_reference_table_of_the_contract_is_a_source():
    from ucj.contracts import reference

    assert {f"reference/{t.name}" for t in reference.TABLES} == {
        s.name for s in sources.REFERENCE}


@pytest.mark.parametrize("source", sources.SOURCES, ids=lambda s: s.name)
def test_a_source_declares_what_it_needs(source):
    """Its import strings resolve: columns, lake schema, GX rules (names unique), reader."""
    columns = source.column_names()
    assert columns and len(columns) == len(set(columns))
    schema = source.lake_schema()
    assert len(schema) >= 2
    names = source.rule_names("2026" if source.partition_key == "tahun" else "2026-01")
    assert names and len(names) == len(set(names)), names
    assert callable(sources.load(source.reader))


@pytest.mark.parametrize("source", [s for s in sources.SOURCES if s.partition_format],
                         ids=lambda s: s.name)
def test_landing_names_give_back_their_partition(source):
    value = {"periode": "2026-03", "tahun": "2026"}[source.partition_key]
    for name in source.landing_names(value):
        assert source.matches(name)
        assert source.partition_of(name) in (value, "all")
        assert sources.recognise(source.landing_folder, name) is source
    with pytest.raises(UnknownDelivery, match="x_2026.csv: refused"):
        sources.recognise(source.landing_folder, "x_2026.csv")


def test_the_contracts_use_the_declared_names():
    from ucj.contracts import apbdes, enrollment

    assert enrollment.periode_of_file("KEPESERTAAN_202601.CSV") == "2026-01"
    assert apbdes.year_of_file("apbdes_2025.csv") == "2025"
    with pytest.raises(UnknownDelivery, match="kepesertaan_202613.csv: refused: not an "
                                              "enrollment file name"):
        enrollment.periode_of_file("kepesertaan_202613.csv")


def test_lake_paths_come_from_the_source(tmp_path):
    src = sources.ENROLLMENT
    assert lake.lake_partition(tmp_path, src, "2026-01") == tmp_path / "enrollment/periode=2026-01"
    assert lake.quarantine_partition(tmp_path, src, "2026-01") == (
        tmp_path / "quarantine/enrollment/periode=2026-01")
    assert lake.raw_dir(tmp_path, src, "2026-01") == tmp_path / "raw/enrollment/periode=2026-01"
    assert lake.raw_dir(tmp_path, sources.UMK, "all") == tmp_path / "raw/reference/umk/tahun=all"
    assert lake.extract_state_dir(tmp_path, sources.REGISTRY) == tmp_path / "raw/registry/_state"
    # committed partitions only (a manifest), in order: what the warehouse stages
    for value in ("2026-02", "2026-01"):
        folder = lake.private_dirs(lake.lake_partition(tmp_path, src, value))
        (folder / lake.MANIFEST).write_text("{}")
    lake.private_dirs(lake.lake_partition(tmp_path, src, "2026-03"))  # being written
    assert [v for v, _ in lake.source_partitions(tmp_path, src)] == ["2026-01", "2026-02"]
    assert lake.previous_partitions(tmp_path, "enrollment", "periode", "2026-03") == [
        lake.lake_partition(tmp_path, src, "2026-02")]


def test_assets_module_takes_the_sources_assets():
    from ucj import assets

    assert assets.ENROLLMENT is sources.ENROLLMENT.asset
    assert assets.REGISTRY is sources.REGISTRY.asset
    assert assets.VILLAGE_BUDGET is sources.VILLAGE_BUDGET.asset
    assert {s.asset for s in sources.REFERENCE} == {assets.REFERENCE}


def test_every_dags_outlet_asset_comes_from_its_source(dagbag):
    for folder, dag_id in DAG_OF.items():
        expected = {(s.asset.name, s.asset.uri) for s in sources.in_folder(folder)}
        outlets = {(o.name, o.uri) for t in dagbag.dags[dag_id].tasks for o in t.outlets}
        assert outlets == expected, dag_id


def test_importing_the_sources_is_light():
    """DAG files import it at parse time: no pandas, pyarrow, GX or Airflow with it."""
    code = ("import sys, ucj.sources as s\n"
            "s.ENROLLMENT.landing_names('2026-01')\n"
            "s.ENROLLMENT.partition_of('kepesertaan_202601.csv')\n"
            "print(','.join(m for m in ('pandas', 'pyarrow', 'great_expectations', 'airflow')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(ROOT / "include")})
    assert out.stdout.strip() == ""


# -- no module but io/lake makes a lake or raw path -----------------------------------------

# The warehouse's own loaders are being rewritten (issue 17, item 2): they will take a
# source's committed partitions from ``ucj.io.lake.source_partitions``. Until then they are the
# only exception, and this list only shrinks.
NOT_YET = {"include/ucj/warehouse/load.py", "include/ucj/warehouse/village.py"}
OWNERS = {"include/ucj/io/lake.py", "include/ucj/sources.py"}
PARTITION = re.compile(r"\b(periode|tahun|extract)=")
PATH_PARTS = {"raw", "quarantine", ".staging", "_manifest.json"}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _hand_made_paths(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docs
                and (PARTITION.search(node.value) or re.search(r"\b(raw|quarantine)/",
                                                                 node.value))):
            found.append(f"{node.lineno}: {node.value!r}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and side.value in PATH_PARTS:
                    found.append(f"{node.lineno}: / {side.value!r}")
    return found


def test_no_module_but_io_lake_builds_a_lake_path():
    files = [*ROOT.glob("dags/*.py"), *(ROOT / "include" / "ucj").rglob("*.py")]
    found = {}
    for path in sorted(files):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in OWNERS | NOT_YET and (hits := _hand_made_paths(path)):
            found[rel] = hits
    assert not found, found
    assert all((ROOT / f).exists() for f in NOT_YET)  # a removed file leaves the list


def test_the_path_check_finds_a_hand_made_path(tmp_path):
    sample = tmp_path / "dag.py"
    sample.write_text('"""periode=YYYY-MM in a docstring is fine."""\n'
                      'raw = lake / "raw" / "enrollment" / f"periode={periode}"\n')
    assert len(_hand_made_paths(sample)) == 2
