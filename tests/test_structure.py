"""The house rules of the code's shape: one job per module (none over 500 lines), no import
cycle among the package's modules (imports inside functions count too), and the sample
generator a tool beside the product (no product module imports it; the demo may)."""

from __future__ import annotations

import ast
from pathlib import Path

INCLUDE = Path(__file__).resolve().parent.parent / "include"
PACKAGES = ["ucj", "ucj_sample"]  # the product; the sample generator beside it


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(p for package in PACKAGES for p in (INCLUDE / package).rglob("*.py")):
        parts = list(path.relative_to(INCLUDE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules ``name`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                base = ".".join(anchor[:len(anchor) - node.level + 1] + ([base] if base else []))
            submodules = {f"{base}.{a.name}" for a in node.names} & known
            # "from package import module" imports the module; "from module import name",
            # the module itself
            found |= submodules or {base}
    return {m for m in found if m in known and m != name}


def test_no_module_over_500_lines():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text().splitlines())) > 500}
    assert not long, long


def test_no_import_cycle():
    mods = modules()
    graph = {name: imports(name, path, set(mods)) for name, path in mods.items()}
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_the_generator_is_a_tool_beside_the_product():
    mods = modules()
    assert any(name.startswith("ucj_sample.") for name in mods)
    users = sorted(name for name, path in mods.items()
                   if name.split(".")[0] == "ucj" and name != "ucj.demo"
                   and any(m.startswith("ucj_sample") for m in imports(name, path, set(mods))))
    assert not users, users
