"""Structure rules: pure layers import no dash; ids are unique and live only in ids.py."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from dashboard.ids import ALL_ID_ENUMS

PACKAGE = Path(__file__).resolve().parents[2] / "dashboard"
PURE_PACKAGES = ("data", "figures", "exports", "messages")
PURE_MODULES = ("i18n.py", "interactions.py", "views.py", "config.py", "slide_facts.py")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_arc001_pure_layers_import_no_dash_in_source():
    files = [p for pkg in PURE_PACKAGES for p in (PACKAGE / pkg).rglob("*.py")]
    files += [PACKAGE / name for name in PURE_MODULES]
    offenders = {str(p): sorted(m for m in imported_modules(p) if m == "dash" or m.startswith("dash."))
                 for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_arc002_pure_layers_do_not_load_dash_at_run_time():
    """Import every pure module in a fresh interpreter: dash must not end up in sys.modules."""
    modules = [f"dashboard.{pkg}.{p.stem}" for pkg in PURE_PACKAGES
               for p in sorted((PACKAGE / pkg).glob("*.py")) if p.stem != "__init__"]
    modules += [f"dashboard.{Path(name).stem}" for name in PURE_MODULES]
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(k for k in sys.modules if k == 'dash' or k.startswith('dash.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PACKAGE.parent)
    assert result.stdout.strip() == "[]"


def test_arc003_component_ids_unique():
    values = [member.value for enum in ALL_ID_ENUMS for member in enum]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+", v) for v in values)


def test_arc004_no_id_literals_outside_ids():
    """Callbacks and layout name ids through the enums only."""
    offenders = []
    for path in [*(PACKAGE / "callbacks").glob("*.py"), *(PACKAGE / "layout").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            literals = [kw.value for kw in node.keywords if kw.arg in ("id", "component_id")]
            if name in ("Input", "Output", "State") and node.args:
                literals.append(node.args[0])
            offenders += [f"{path.name}:{node.lineno}" for value in literals
                          if isinstance(value, ast.Constant) and isinstance(value.value, str)]
    assert offenders == []


def test_arc005_app_never_reads_shared():
    offenders = [str(p) for p in [*PACKAGE.rglob("*.py"), PACKAGE.parent / "app.py"]
                 if "../shared" in p.read_text(encoding="utf-8")]
    assert offenders == []
