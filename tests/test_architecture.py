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


def test_content_and_db_do_not_import_handlers_or_bot() -> None:
    for package in ("content", "db"):
        for path in (ROOT / package).rglob("*.py"):
            assert not (_imports(path) & {"handlers", "bot", "telegram", "aiohttp"}), path


HEAVY = (
    "matplotlib",
    "openpyxl",
    "docx",
    "PIL",
    "sklearn",
    "scipy",
    "numpy",
    "alembic",
    "holidays",
)


def test_the_server_loads_document_and_picture_libraries_only_when_used() -> None:
    """A ward process answers chat all day and draws a chart or a certificate rarely: those
    libraries (tens of MB) load with the first drawing or download, not with the app."""
    code = f"import sys, bot.app\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert loaded == ""


def test_a_ward_answering_chat_never_loads_numpy() -> None:
    """Search, entry model and act classifier are plain Python once fitted (NumPy alone is
    ~17 MB of a ward process's 130): built as `bot.wiring.core` builds them (the models fitted
    in a child, which may use scikit-learn), then asked, nothing numerical has been loaded."""
    code = (
        "import sys, bot.app\n"
        "from content.acts import load_act_model\n"
        "from content.indexing import build_index\n"
        "from content.loader import DEFAULT_WARD, load_ward_catalogue\n"
        "from content.normalize import load_lexicon\n"
        "lexicon = load_lexicon()\n"
        "index = build_index(load_ward_catalogue(DEFAULT_WARD), lexicon)\n"
        "acts = load_act_model(lexicon)\n"
        "for text in ('làm căn cước ở đâu', 'khai sinh cần gì', 'đèn đường hỏng', 'cảm ơn'):\n"
        "    result = index.search(text)\n"
        "    index.search(text, learned=False)\n"
        "    index.model_probabilities(result.query, [m.doc.id for m in result.matches])\n"
        "    acts.guess(text)\n"
        "assert index.search('khai sinh cần gì').best.doc.id == 'dang-ky-khai-sinh'\n"
        "assert acts.guess('cảm ơn').act == 'thanks'\n"
        "print(','.join(m for m in ('numpy', 'sklearn', 'scipy') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert loaded == ""


def test_channel_adapters_build_no_sql() -> None:
    """Adapters verify, translate and render (DESIGN.md); statements live in db/ query
    modules. Session types for a dependency are all an adapter may take from SQLAlchemy."""
    for path in sorted((ROOT / "bot" / "channels").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                allowed = node.module == "sqlalchemy.ext.asyncio"
                assert top != "sqlalchemy" or allowed, f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "sqlalchemy" for a in node.names), path.name
