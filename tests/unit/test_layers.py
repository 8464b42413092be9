"""The house rules of the layout, checked on the source (docs/DESIGN.md)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ektp_admin"


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names, level) of every import in a file; level > 0 for relative ones."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", [a.name for a in node.names], node.level))
    return found


def _absolute(path: Path, module: str, level: int) -> str:
    if level == 0:
        return module
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    base = parts[: len(parts) - level]
    return ".".join(base + ([module] if module else []))


VIEWS = sorted((PACKAGE / "views").glob("*.py"))
QUERIES = sorted((PACKAGE / "queries").glob("*.py"))


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.name)
def test_views_take_nothing_from_the_package_root(path: Path) -> None:
    """``get_state`` and friends come from their modules, never through ``ektp_admin/__init__``."""
    for module, names, level in _imports(path):
        if _absolute(path, module, level) == "ektp_admin":
            submodules = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if p.is_dir()}
            assert set(names) <= submodules, f"{path.name} imports {names} from the package root"


def test_the_standalone_portal_imports_nothing_from_views() -> None:
    path = PACKAGE / "standalone.py"
    for module, _, level in _imports(path):
        assert not _absolute(path, module, level).startswith("ektp_admin.views"), module


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_the_query_layer_neither_translates_nor_renders(path: Path) -> None:
    for module, names, level in _imports(path):
        target = _absolute(path, module, level)
        assert target not in ("ektp_admin.i18n", "flask_babel", "ektp_admin.formatting"), f"{path.name}: {target}"
        assert not target.startswith("ektp_admin.views"), f"{path.name}: {target}"
        assert "gettext" not in " ".join(names), f"{path.name} imports {names}"


@pytest.mark.parametrize("path", VIEWS + QUERIES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_nobody_compares_kecamatan_codes_by_hand(path: Path) -> None:
    """Who reaches what is asked of access.Reach, not re-derived (``is_scoped`` is its input)."""
    source = path.read_text(encoding="utf-8")
    assert "is_scoped" not in source, f"{path.name} decides reach on its own"
    assert "user.kecamatan_code" not in source, f"{path.name} decides reach on its own"
