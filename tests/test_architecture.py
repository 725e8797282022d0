"""The core stays channel-agnostic: no channel library or web framework inside handlers/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("telegram", "aiohttp", "zalo", "bot", "prometheus_client")  # ops: a Deps hook
ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_handlers_import_no_channel_library() -> None:
    for path in (ROOT / "handlers").rglob("*.py"):
        assert not (_imports(path) & set(FORBIDDEN)), path


def _layer(module: str) -> int | None:
    """DESIGN.md's order: content <- db <- handlers.domain <- handlers <- bot."""
    parts = module.split(".")
    if parts[0] == "handlers":
        return 2 if parts[1:2] == ["domain"] else 3
    return {"content": 0, "db": 1, "bot": 4}.get(parts[0])


def _project_imports(path: Path) -> list[str]:
    """Project modules `path` imports (`from handlers import x` counts as handlers.x)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in ("handlers", "bot", "content", "db"):
                names += [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [name for name in names if _layer(name) is not None]


def test_each_layer_imports_only_those_to_its_left() -> None:
    for package in ("content", "db", "handlers", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            own = _layer(".".join(path.relative_to(ROOT).with_suffix("").parts))
            assert own is not None
            for module in _project_imports(path):
                assert _layer(module) <= own, f"{path.relative_to(ROOT)} imports {module}"


def test_domain_rules_know_no_web_framework_cli_or_channel() -> None:
    for path in sorted((ROOT / "handlers" / "domain").rglob("*.py")):
        assert not (_imports(path) & {"aiohttp", "click", "telegram", "jinja2"}), path


def test_content_and_db_do_not_import_handlers_or_bot() -> None:
    for package in ("content", "db"):
        for path in (ROOT / package).rglob("*.py"):
            assert not (_imports(path) & {"handlers", "bot", "telegram", "aiohttp"}), path


HEAVY = ("matplotlib", "openpyxl", "docx", "PIL", "sklearn", "scipy", "alembic", "holidays")


def test_the_server_loads_document_and_picture_libraries_only_when_used() -> None:
    """A ward process answers chat all day and draws a chart or a certificate rarely: those
    libraries (tens of MB) load with the first drawing or download, not with the app."""
    code = f"import sys, bot.app\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert loaded == ""


def _from_imports(path: Path) -> list[str]:
    """Every module named by an absolute import in `path` (`import a.b`, `from a.b import c`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


# Outside db/, SQLAlchemy only names session types (for a dependency) and parses URLs.
SQL_FREE_ALLOWED = ("sqlalchemy.ext.asyncio", "sqlalchemy.engine")


def test_every_sql_statement_lives_in_db() -> None:
    """DESIGN.md: statements live in db/ query modules, session-first functions."""
    for package in ("bot", "handlers", "content"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in _from_imports(path):
                if module.split(".")[0] == "sqlalchemy":
                    assert module in SQL_FREE_ALLOWED, f"{path.relative_to(ROOT)}: {module}"


def test_channel_adapters_import_no_db_module() -> None:
    """Adapters verify, translate and render; they reach stored data through handlers (and
    the registry, which wires each adapter, hands them a store where one is needed)."""
    for path in sorted((ROOT / "bot" / "channels").glob("*.py")):
        if path.name == "registry.py":
            continue
        for module in _from_imports(path):
            assert module.split(".")[0] != "db", f"{path.name} imports {module}"
