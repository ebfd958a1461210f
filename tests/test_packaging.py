"""Packaging as deployed: pyproject.toml's direct dependencies are requirements.txt's pins (the
full runtime set the image installs), the dev extra carries the test tools, bootstrap installs
it, and every third-party package the code imports is a declared dependency."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# import name -> distribution, where they differ
DISTRIBUTIONS = {"airflow": "apache-airflow", "psycopg2": "psycopg2-binary",
                 "great_expectations": "great-expectations", "upath": "universal-pathlib"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        requirement = line.split("#")[0].strip()
        if requirement:
            name, sep, version = requirement.partition("==")
            assert sep and re.fullmatch(r"[\w.]+", version), f"not an exact pin: {line}"
            pins[_norm(name)] = version
    return pins


REQUIREMENTS = _pins((ROOT / "requirements.txt").read_text().splitlines())
DIRECT = _pins(PROJECT["dependencies"])
DEV = _pins(PROJECT["optional-dependencies"]["dev"])


def test_direct_dependencies_are_the_requirements_pins():
    assert DIRECT and {n: REQUIREMENTS.get(n) for n in DIRECT} == DIRECT


def test_dev_extra_holds_the_test_tools_outside_the_runtime_set():
    assert {"pytest", "ruff", "aiosmtpd"} <= set(DEV)
    assert not set(DEV) & set(REQUIREMENTS)


def test_bootstrap_installs_the_dev_extra_held_to_the_pins():
    script = (ROOT / "scripts" / "bootstrap.sh").read_text().replace("\\\n", " ")
    assert re.search(r'pip install .*-r "\$ROOT/requirements\.txt"', script)
    assert re.search(r'pip install .*-c "\$ROOT/requirements\.txt" .*-e "\$ROOT\[dev\]"', script)


# run by dbt's own interpreter (.venv-dbt, requirements-dbt.txt), never imported by ours
DBT_INTERPRETER = [ROOT / "include" / "ucj" / "warehouse" / "warm_server.py"]


def _imports(path: Path) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    return imported


def test_what_dbt_interpreter_runs_imports_only_dbt_and_the_standard_library():
    for path in DBT_INTERPRETER:
        third_party = {m for m in _imports(path) if m not in sys.stdlib_module_names}
        assert third_party == {"dbt"}, path
    pins = (ROOT / "requirements-dbt.txt").read_text()
    assert "\ndbt-core==" in pins and "\ndbt-duckdb==" in pins


def test_every_imported_package_is_declared():
    imported = set()
    for folder in ("include", "dags", "plugins"):
        for path in (ROOT / folder).rglob("*.py"):
            if path not in DBT_INTERPRETER:
                imported |= _imports(path)
    ours = {"ucj", "ucj_sample", "__future__"}  # the product, the sample generator beside it
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in ours}
    declared = {_norm(n) for n in [*DIRECT, *DEV]}
    missing = {m for m in third_party if _norm(DISTRIBUTIONS.get(m, m)) not in declared}
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_every_console_script_exists():
    """A declared command that points at no module fails only when someone runs it."""
    import importlib.util

    for name, target in PROJECT.get("scripts", {}).items():
        module, _, function = target.partition(":")
        spec = importlib.util.find_spec(module)
        assert spec is not None, f"{name}: no module {module}"
        assert f"def {function}(" in Path(spec.origin).read_text(), f"{name}: no {target}"
