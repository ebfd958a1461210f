"""dbt's partial parse never builds with a YAML of before: releases each in a folder of their
own, dbt's target folder kept, a release deployed again after a rollback to the one before
it (which lacked one of its macros and a YAML key) is parsed with the YAML it has (dbt-core
1.11.16 alone kept the rollback's meta.publish); a project parsed again unchanged keeps dbt's
partial parse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ucj.config import sql_dir
from ucj.warehouse import dbt

MACRO = "macros/duckdb_storage.sql"
KEY = "        duckdb_uncompressed:\n        - person_key\n"


def _publish_meta(target: Path) -> dict:
    manifest = json.loads((target / "manifest.json").read_text())
    return manifest["nodes"]["model.ucj_warehouse.fct_participant_month"]["config"]["meta"][
        "publish"]


def _project(folder: Path) -> Path:
    """A copy of the project and its seeds, laid out as in the package."""
    shutil.copytree(sql_dir(), folder / "sql", ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copytree(sql_dir().parent / "ucj" / "reference", folder / "ucj" / "reference")
    return folder / "sql"


def test_a_rollback_then_the_deploy_again_is_parsed_with_the_yaml_it_has(tmp_path, monkeypatch):
    # each release in a folder of its own, the target folder kept (dbt's work folder)
    deployed, rollback = _project(tmp_path / "release-2"), _project(tmp_path / "release-1")
    (rollback / MACRO).unlink()  # the commit before the macro and the key
    core = rollback / "models/core/_core.yml"
    assert KEY in core.read_text()
    core.write_text(core.read_text().replace(KEY, ""))
    target, env = tmp_path / "target", {"UCJ_DBT_WORK_DIR": str(tmp_path / "work")}

    def parse(project: Path) -> dict:
        monkeypatch.setattr(dbt, "sql_dir", lambda: project)
        dbt.run(["parse"], env, target)
        return _publish_meta(target)

    assert parse(deployed)["duckdb_uncompressed"] == ["person_key"]
    assert "duckdb_uncompressed" not in parse(rollback)
    assert parse(deployed)["duckdb_uncompressed"] == ["person_key"]  # dbt alone: missing

    state = (target / "partial_parse.msgpack").stat().st_mtime_ns
    parse(deployed)  # nothing changed: dbt's partial parse is kept
    assert (target / "partial_parse.msgpack").stat().st_mtime_ns >= state
    assert (target / dbt.PARSED_FILES).read_text() == dbt._project_digest()
