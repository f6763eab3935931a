"""Structure rules: pure layers import no dash; ids are unique and live only in ids.py."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from dashboard.ids import ALL_ID_ENUMS

PACKAGE = Path(__file__).resolve().parents[2] / "dashboard"
REPO = PACKAGE.parent
# Layers, bottom first: a module may import its own layer and the layers below it, never above.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("data", ("dashboard.data", "dashboard.config", "dashboard.ids")),
    ("words", ("dashboard.i18n", "dashboard.words")),
    ("figures", ("dashboard.figures",)),
    ("exports", ("dashboard.exports",)),
    ("state", ("dashboard.state",)),
    ("layout", ("dashboard.layout",)),
    ("callbacks", ("dashboard.callbacks",)),
    ("app", ("dashboard",)),
)
# Layers that never import Dash: everything below the component factories.
PURE_LAYERS = ("data", "words", "figures", "exports", "state")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    """Index in LAYERS of a dashboard module (the longest matching prefix wins)."""
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def dashboard_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved, nested ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            # "from pkg import sub" imports a module when sub is one
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def pure_modules() -> dict[str, Path]:
    pure = {index for index, (name, _) in enumerate(LAYERS) if name in PURE_LAYERS}
    return {name: path for name, path in dashboard_modules().items() if layer_of(name) in pure}


def test_arc001_pure_layers_import_no_dash_in_source():
    offenders = {name: sorted(m for m in imported_modules(path) if m == "dash" or m.startswith("dash."))
                 for name, path in pure_modules().items()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_arc002_pure_layers_do_not_load_dash_at_run_time():
    """Import every pure module in a fresh interpreter: dash must not end up in sys.modules."""
    modules = sorted(pure_modules())
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(k for k in sys.modules if k == 'dash' or k.startswith('dash.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=REPO)
    assert result.stdout.strip() == "[]"
    assert len(modules) > 40  # the walk found the pure layers


def test_arc006_every_module_has_a_layer():
    assert [name for name in dashboard_modules() if layer_of(name) is None] == []


def test_arc007_layers_only_point_down():
    """data → words → figures → exports → state → layout → callbacks → app; nothing imports upward."""
    modules = dashboard_modules()
    assert upward_imports({name: imported_modules(path) for name, path in modules.items()}) == []


def upward_imports(imports_by_module: dict[str, set[str]]) -> list[str]:
    """Every import of a dashboard module from a higher layer, as 'importer (layer) → imported (layer)'."""
    upward = []
    for name, imports in imports_by_module.items():
        own = layer_of(name)
        for imported in imports:
            theirs = layer_of(imported) if imported.startswith("dashboard.") else None
            if theirs is not None and theirs > own:
                upward.append(f"{name} ({LAYERS[own][0]}) → {imported} ({LAYERS[theirs][0]})")
    return sorted(upward)


def test_arc008_layer_rule_catches_an_upward_import():
    """The rule itself can fail: a data module importing the layout, or state importing callbacks."""
    assert upward_imports({"dashboard.data.store": {"dashboard.layout.page", "numpy"},
                           "dashboard.state.views": {"dashboard.callbacks.views", "dashboard.figures.geo"},
                           "dashboard.callbacks.views": {"dashboard.state.views"}}) == [
        "dashboard.data.store (data) → dashboard.layout.page (layout)",
        "dashboard.state.views (state) → dashboard.callbacks.views (callbacks)"]
    assert layer_of("dashboard") == len(LAYERS) - 1


def test_arc009_no_import_cycles_in_the_tree():
    """No circles between modules anywhere: the app, tests and benchmarks."""
    tool = REPO.parent / "shared" / "tools" / "import_cycles.py"
    result = subprocess.run([sys.executable, str(tool), str(REPO)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("0 import cycles"), result.stdout


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
