"""Great Expectations takes seconds to import (``benchmarks/pipeline_bench.py`` prints it):
only the tasks that validate may import it. Every other task's modules, and what the
enrollment tasks before ``validate`` do on a month, run in a fresh interpreter without it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (dag_id, task): the tasks that run GX (the validation of a batch, and the commit of a month
# in parts, which checks the month's batch-level expectations and writes its Data Docs)
VALIDATING = {("ucj_enrollment", "validate"), ("ucj_enrollment", "commit"),
              ("ucj_reference", "process_file"), ("ucj_registry", "validate"),
              ("ucj_village_budget", "process_file")}


def _is_task(decorator: ast.expr) -> bool:
    node = decorator.func if isinstance(decorator, ast.Call) else decorator
    while isinstance(node, ast.Attribute):  # task.sensor, task.branch
        node = node.value
    return isinstance(node, ast.Name) and node.id == "task"


def task_imports() -> dict[tuple[str, str], list[str]]:
    """(dag_id, task) -> the modules its body imports (a DAG file's module is its dag_id)."""
    found = {}
    for path in sorted((ROOT / "dags").glob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text())):
            if isinstance(fn, ast.FunctionDef) and any(map(_is_task, fn.decorator_list)):
                modules = []
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import):
                        modules += [a.name for a in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        modules += [f"{node.module}.{a.name}" for a in node.names]
                found[(path.stem, fn.name)] = modules
    return found


def test_the_validating_tasks_are_the_ones_named():
    assert VALIDATING <= set(task_imports())


def run_fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "include")})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_no_task_that_does_not_validate_imports_great_expectations():
    light = {key: mods for key, mods in task_imports().items() if key not in VALIDATING}
    assert len(light) >= 8
    # one interpreter, task after task: the first task bringing GX in is the one named
    code = "\n".join([
        "import importlib, sys",
        f"for task, modules in {sorted(light.items())!r}:",
        "    for name in modules:",
        "        try:",
        "            importlib.import_module(name)",
        "        except ModuleNotFoundError:  # `from package import name` of a function",
        "            importlib.import_module(name.rpartition('.')[0])",
        "    assert 'great_expectations' not in sys.modules, task",
        "print('OK')",
    ])
    assert run_fresh(code).strip() == "OK"


def test_the_enrollment_tasks_before_validate_run_without_great_expectations(tmp_path):
    """What the sensor, extract, plan_parts, count_kpj and find_duplicates do on a month of
    several parts, and first_pass on a month of one part, in one fresh interpreter."""
    from ucj_sample import generate

    generate(tmp_path / "landing", ["2026-01"], 1500, seed=2)
    code = f"""
import sys
from datetime import UTC, datetime
from pathlib import Path
from ucj.io import lake, landing
from ucj.pipeline import enrollment
from ucj.report import deadline
from ucj.sources import ENROLLMENT

tmp = Path({str(tmp_path)!r})
found = deadline.look_for_delivery(str(tmp / "landing"), "2026-01", 10, datetime.now(UTC), "r")
raw = landing.copy_to_raw(str(tmp / "landing"), found,
                          lake.raw_dir(tmp / "lake", ENROLLMENT, "2026-01"))
parts = enrollment.plan(raw["path"], tmp / "lake", part_rows=500)
assert len(parts) > 1
for part in parts:
    enrollment.scan_kpj(part)
enrollment.find_duplicates(parts)
assert enrollment.first_pass_if_one_part(enrollment.plan(raw["path"], tmp / "lake2"))
print("GX" if "great_expectations" in sys.modules else "NO GX")
"""
    assert run_fresh(code).strip() == "NO GX"
