"""Great Expectations Data Docs: one build per batch from the chunks' merged results, personal
values kept out, the path in the manifest, the JSON report and the run audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from enrollment_rows import row, write_csv
from ucj import warehouse
from ucj.pipeline import enrollment
from ucj.validation import datadocs
from ucj.warehouse import load as wl

pytestmark = pytest.mark.usefixtures("row_rules_only")  # rows judged, not deliveries

BAD_NIK = "9999999999999999"
ROWS = 30  # with chunks of 10 rows: 3 chunks
BAD_SEGMEN = 24  # more than the 20 samples kept


def month_rows() -> list[dict]:
    rows = [row(kpj=f"{i:011d}", nik=f"3213011505{90 + i % 10:02d}{i + 1:04d}",
                tgl_lahir=f"15/05/19{90 + i % 10}") for i in range(ROWS)]
    rows[3]["nik"] = BAD_NIK  # nik_format (personal: value withheld)
    for i in range(5, 5 + BAD_SEGMEN):
        rows[i]["segmen"] = f"X{i}"  # segmen_enum (sample values kept)
    return rows


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("datadocs")
    write_csv(tmp / "kepesertaan_202601.csv", month_rows())
    result = enrollment.process(tmp / "kepesertaan_202601.csv", tmp / "lake", tmp / "val",
                                "secret", chunk_rows=10)
    return tmp, result


def stored_results(val: Path) -> list[dict]:
    store = val / "gx" / "uncommitted" / "validations"
    return [json.loads(p.read_text()) for p in sorted(store.rglob("*.json"))]


def test_one_data_docs_page_per_batch_with_the_whole_batch_counted(batch):
    tmp, result = batch
    page = Path(result["data_docs"])
    assert page.is_file() and page.suffix == ".html"
    assert page.is_relative_to(tmp / "val" / "gx")
    assert Path(result["data_docs_index"]) == datadocs.site_index(tmp / "val")
    assert result["data_docs_seconds"] > 0
    results = stored_results(tmp / "val")
    assert len(results) == 1  # three chunks, one stored result, one build
    by_rule = {r["expectation_config"]["meta"]["rule"]: r for r in results[0]["results"]}
    segmen = by_rule["segmen_enum"]["result"]
    assert segmen["element_count"] == ROWS and segmen["unexpected_count"] == BAD_SEGMEN
    # samples capped at 20, taken across the chunks; line numbers = rows + 2 (header line 1)
    assert segmen["partial_unexpected_index_list"] == list(range(7, 27))
    assert segmen["partial_unexpected_list"] == [f"X{i}" for i in range(5, 25)]
    assert by_rule["nik_format"]["result"]["unexpected_count"] == 1
    # ~ROWS / chunk_rows chunks: the fast reader cuts blocks by their estimated size in bytes
    assert results[0]["meta"]["batch_spec"]["chunks"] >= 3
    assert results[0]["success"] is False


def test_the_page_shows_the_failures_but_no_personal_value(batch):
    _, result = batch
    text = Path(result["data_docs"]).read_text()
    assert "X5" in text and "segmen" in text
    assert BAD_NIK not in text
    for page in Path(result["data_docs_index"]).parent.rglob("*.html"):
        assert BAD_NIK not in page.read_text(), page


def test_the_index_links_the_page(batch):
    _, result = batch
    index = Path(result["data_docs_index"]).read_text()
    page = Path(result["data_docs"])
    assert f"validations/enrollment_2026-01/enrollment_2026-01/{page.parent.name}/" in index


def test_path_in_manifest_report_and_run_audit(batch):
    tmp, result = batch
    report = json.loads(Path(result["validation_report"]).read_text())
    assert report["data_docs"] == result["data_docs"]
    manifest = json.loads((Path(result["partition"]) / "_manifest.json").read_text())
    assert manifest["data_docs"] == result["data_docs"]
    wh = warehouse.connect(f"duckdb:///{tmp / 'wh.duckdb'}")
    try:
        wl.refresh(wh, tmp / "lake", wl.enrollment_partitions(tmp / "lake"), "run-1")
        audit = wh.query("SELECT data_docs, batch_seconds FROM audit.run_audit "
                         "WHERE source = 'enrollment'").iloc[0]
    finally:
        wh.close()
    assert audit["data_docs"] == result["data_docs"]
    assert audit["batch_seconds"] == pytest.approx(result["seconds"])


def test_a_revalidation_adds_a_page_and_keeps_the_history(batch):
    tmp, first = batch
    again = enrollment.process(tmp / "kepesertaan_202601.csv", tmp / "lake2", tmp / "val",
                               "secret")
    assert len(stored_results(tmp / "val")) == 2
    assert again["data_docs"] != first["data_docs"]
    assert Path(again["data_docs"]).is_file() and Path(first["data_docs"]).is_file()


def test_a_docs_failure_does_not_stop_the_batch(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(datadocs, "build", broken)
    write_csv(tmp_path / "kepesertaan_202601.csv", month_rows()[:4])
    result = enrollment.process(tmp_path / "kepesertaan_202601.csv", tmp_path / "lake",
                                tmp_path / "val", "secret")
    assert result["rows_read"] == 4 and result["data_docs"] is None
    assert result["data_docs_error"] == "OSError: disk full"

