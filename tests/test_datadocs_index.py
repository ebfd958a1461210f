"""The Data Docs site index from the facts kept per result (ucj.validation.datadocs_index): the
same page as GX's default index builder, without re-reading the results already indexed."""

from __future__ import annotations

import json
import re
import stat

import pytest
from enrollment_rows import row, write_csv
from ucj.pipeline import enrollment
from ucj.validation import datadocs
from ucj.validation.datadocs_index import FactsSiteIndexBuilder, facts_path

pytestmark = pytest.mark.usefixtures("row_rules_only")  # rows judged, not deliveries


def validate(tmp, periode: str, bad_segmen: int = 0) -> dict:
    rows = [row(kpj=f"{i:011d}", nik=f"32130115059{i % 10}{i + 1:04d}",
                tgl_lahir=f"15/05/199{i % 10}", periode=periode) for i in range(12)]
    for i in range(bad_segmen):
        rows[i]["segmen"] = "X"
    name = f"kepesertaan_{periode.replace('-', '')}.csv"
    write_csv(tmp / name, rows)
    return enrollment.process(tmp / name, tmp / "lake", tmp / "val", "secret")


def stored(val) -> list:
    return sorted((val / "gx" / "uncommitted" / "validations").rglob("*.json"))


def without_uuids(page) -> str:
    """A page's HTML with GX's element ids (a random UUID each, new at every render) blanked."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID",
                  page.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("index")
    validate(tmp, "2026-01")
    validate(tmp, "2026-02", bad_segmen=3)  # a failing one: its row shows the failure
    validate(tmp, "2026-01")  # a re-delivery: a second result for the same partition
    return tmp


def test_the_site_is_the_one_gx_builds_from_every_result(history):
    val = history / "val"
    index = datadocs.site_index(val)
    ours = index.read_text(encoding="utf-8")
    pages = sorted(index.parent.glob("validations/**/*.html"))
    ours_pages = [without_uuids(p) for p in pages]
    # GX's own builder (great_expectations.yml keeps it), reading every stored result
    import great_expectations as gx

    ctx = gx.get_context(mode="file", project_root_dir=str(val))
    builder = ctx.variables.data_docs_sites[datadocs.SITE]["site_index_builder"]
    assert builder["class_name"] == "DefaultSiteIndexBuilder"
    ctx.build_data_docs(site_names=[datadocs.SITE])
    datadocs._local_links(index, index.parent)  # as after every build of ours
    theirs = index.read_text(encoding="utf-8")
    assert ours == theirs
    assert ours.count("periode=2026-01") >= 2 and "periode=2026-02" in ours
    # the months' pages too: our views (ucj.validation.datadocs_views) render GX's own
    for page in pages:
        datadocs._local_links(page, index.parent)
    assert len(pages) == 3
    assert [without_uuids(p) for p in pages] == ours_pages


def test_one_fact_per_result_owner_only(history):
    facts = json.loads(facts_path(history / "val" / "gx").read_text())
    assert len(facts) == len(stored(history / "val")) == 3
    assert sorted(f["success"] for f in facts.values()) == [False, True, True]
    assert all(f["batch_spec"]["source_file"].startswith("kepesertaan_") for f in facts.values())
    assert stat.S_IMODE(facts_path(history / "val" / "gx").stat().st_mode) == 0o600


def test_a_build_reads_no_result_already_indexed(tmp_path):
    validate(tmp_path, "2026-01")
    [old] = stored(tmp_path / "val")
    old.write_text("not json: were this read again, its row would leave the index")
    validate(tmp_path, "2026-02")
    page = datadocs.site_index(tmp_path / "val").read_text(encoding="utf-8")
    assert "periode=2026-01" in page and "periode=2026-02" in page
    assert len(json.loads(facts_path(tmp_path / "val" / "gx").read_text())) == 2


def test_torn_facts_are_read_again_from_the_results(tmp_path):
    validate(tmp_path, "2026-01")
    facts_path(tmp_path / "val" / "gx").write_text("{torn")
    validate(tmp_path, "2026-02")
    page = datadocs.site_index(tmp_path / "val").read_text(encoding="utf-8")
    assert "periode=2026-01" in page and "periode=2026-02" in page
    assert len(json.loads(facts_path(tmp_path / "val" / "gx").read_text())) == 2


def test_the_result_just_stored_is_not_read_back(tmp_path, monkeypatch):
    # its facts are recorded from memory when it is stored (datadocs_index.remember)
    def read(builder, key):
        raise AssertionError(f"the index read back {key.to_tuple()}")

    monkeypatch.setattr(FactsSiteIndexBuilder, "_facts", read)
    validate(tmp_path, "2026-01")
    validate(tmp_path, "2026-02", bad_segmen=1)
    page = datadocs.site_index(tmp_path / "val").read_text(encoding="utf-8")
    assert "periode=2026-01" in page and "periode=2026-02" in page


def test_a_later_build_compiles_no_template(tmp_path, monkeypatch):
    # GX's templates compiled once are loaded from Jinja's bytecode cache by every later
    # view, in this process or another (ucj.validation.datadocs_views)
    import jinja2

    validate(tmp_path, "2026-01")

    def compile_(env, *args, **kwargs):
        raise AssertionError("a template was compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", compile_)
    validate(tmp_path, "2026-02")
    assert "periode=2026-02" in datadocs.site_index(tmp_path / "val").read_text(encoding="utf-8")
