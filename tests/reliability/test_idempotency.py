"""Re-runs: the same month twice leaves every staging/core/marts table equal in content
(md5 of its sorted rows); a re-delivered month replaces the earlier one, so the warehouse
equals one built from scratch with the new file only. audit.* keeps one row per run (the
history of what ran) and is left out of the comparison, as is marts.mart_pipeline_health,
which restates that history (see helpers.LAYERS)."""

from __future__ import annotations

import shutil

import pandas as pd
from ucj import quarantine_view, warehouse

from reliability.helpers import (
    Env,
    checksums,
    enrollment_file,
    load,
    month_rows,
    process_month,
    row,
)


def audit(env: Env) -> pd.DataFrame:
    wh = warehouse.connect(env.warehouse_url, read_only=True)
    try:
        return wh.query("SELECT * FROM audit.run_audit WHERE source = 'enrollment' "
                        "ORDER BY partition_value, loaded_at")
    finally:
        wh.close()


def fresh_copy(world: Env, into) -> Env:
    """The world's landing zone and reference tables, with no month processed or loaded."""
    env = Env.under(into)
    shutil.copytree(world.landing, env.landing, dirs_exist_ok=True)
    shutil.copytree(world.lake / "reference", env.lake / "reference")
    shutil.copytree(world.lake / "registry", env.lake / "registry")
    return env


def test_the_same_month_twice_changes_nothing(world):
    before = checksums(world.warehouse_url)
    lake_before = pd.read_parquet(world.lake / "enrollment" / "periode=2026-02")
    process_month(world, "2026-02")  # the whole month again: extract, validate, load
    load(world, ["2026-02"], run_id="again")
    assert checksums(world.warehouse_url) == before
    pd.testing.assert_frame_equal(
        pd.read_parquet(world.lake / "enrollment" / "periode=2026-02"), lake_before)
    history = audit(world)
    runs = history[history["partition_value"] == "2026-02"]
    assert runs["run_id"].tolist() == ["seed", "again"]  # audit keeps both runs
    assert (history["rows_read"] == history["rows_valid"] + history["rows_quarantined"]).all()


def test_a_redelivered_month_replaces_the_earlier_one(world, tmp_path):
    # The re-delivery of January differs: fewer people, other wages, a bad row. January is
    # re-delivered after February was loaded (later months' alerts depend on it).
    new = month_rows("2026-01", 20, salt=777) + [row(kpj="00000000999", upah="-1")]
    enrollment_file(world, "2026-01", new)
    process_month(world, "2026-01")
    load(world, ["2026-01"], run_id="redelivery")

    # Built from scratch with the new file only, and the months loaded in the other order
    # (February first, as an asset-triggered load may): the same warehouse either way.
    scratch = fresh_copy(world, tmp_path / "scratch")
    for periode in ("2026-02", "2026-01"):
        process_month(scratch, periode)
        load(scratch, [periode], run_id=f"scratch-{periode}")
    assert checksums(world.warehouse_url) == checksums(scratch.warehouse_url)

    wh = warehouse.connect(world.warehouse_url, read_only=True)
    try:
        jan = wh.query("SELECT count(*) AS n, sum(upah) AS upah FROM core.fct_participant_month "
                       "WHERE periode = '2026-01'")
    finally:
        wh.close()
    assert jan["n"][0] == 20  # only the new delivery's rows
    assert jan["upah"][0] == sum(float(r["upah"]) for r in new[:20])
    q = quarantine_view.query(world.lake, "enrollment", partition="2026-01")
    assert q[["row_number", "rule"]].values.tolist() == [[22, "upah_positive"]]
    last = audit(world).query("partition_value == '2026-01'").iloc[-1]
    assert (last["rows_read"], last["rows_valid"], last["rows_quarantined"]) == (21, 20, 1)
