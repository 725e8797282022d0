"""The layers of DESIGN.md, kept: which package may import which, where SQL and click live,
and which heavy libraries the server never loads."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.fresh_python import printed_by

FORBIDDEN = ("telegram", "aiohttp", "zalo", "bot", "prometheus_client")  # ops: a Deps hook
ROOT = Path(__file__).resolve().parents[1]


def _imported(path: Path) -> list[str]:
    """Every name `path` imports, in full: `a.b` for `import a.b` and for `from a import b` (b
    may be a module or a name in a); a relative import counts as `.`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append(".")
            elif node.module:
                names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _imports(path: Path) -> set[str]:
    """The top-level packages `path` imports from."""
    return {name.split(".")[0] for name in _imported(path) if name != "."}


def test_handlers_import_no_channel_library() -> None:
    for path in (ROOT / "handlers").rglob("*.py"):
        assert not (_imports(path) & set(FORBIDDEN)), path


def _layer(module: str) -> int | None:
    """DESIGN.md's order: content <- db <- handlers.domain <- handlers <- bot."""
    parts = module.split(".")
    if parts[0] == "handlers":
        return 2 if parts[1:2] == ["domain"] else 3
    return {"content": 0, "db": 1, "bot": 4}.get(parts[0])


def test_each_layer_imports_only_those_to_its_left() -> None:
    for package in ("content", "db", "handlers", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            own = _layer(".".join(path.relative_to(ROOT).with_suffix("").parts))
            assert own is not None
            for module in _imported(path):
                layer = _layer(module)
                assert layer is None or layer <= own, f"{path.relative_to(ROOT)} imports {module}"


def test_domain_rules_know_no_web_framework_cli_or_channel() -> None:
    for path in sorted((ROOT / "handlers" / "domain").rglob("*.py")):
        assert not (_imports(path) & {"aiohttp", "click", "telegram", "jinja2"}), path


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
    "click",  # the command line is click; the application the server runs is not
)


def test_the_server_loads_document_and_picture_libraries_only_when_used() -> None:
    """A ward process answers chat all day and draws a chart or a certificate rarely: those
    libraries (tens of MB) load with the first drawing or download, not with the app."""
    code = (  # bot.server: the process deploy/ runs (python -m bot.server)
        "import sys, bot.app, bot.server\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = printed_by(code).strip()
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
    loaded = printed_by(code).strip()
    assert loaded == ""


# Outside db/, SQLAlchemy only names session types (for a dependency) and parses URLs.
SQL_FREE_ALLOWED = ("sqlalchemy.ext.asyncio", "sqlalchemy.engine")


def test_every_sql_statement_lives_in_db() -> None:
    """DESIGN.md: statements live in db/ query modules, session-first functions."""
    for package in ("bot", "handlers", "content"):
        for path in sorted((ROOT / package).rglob("*.py")):
            drivers = _imports(path) & {"sqlite3", "aiosqlite", "asyncpg", "psycopg"}
            assert not drivers, f"{path.relative_to(ROOT)}: {drivers}"
            for name in _imported(path):
                if name.split(".")[0] == "sqlalchemy":
                    allowed = any(name.startswith(f"{module}.") for module in SQL_FREE_ALLOWED)
                    assert allowed, f"{path.relative_to(ROOT)}: {name}"


def test_channel_adapters_import_no_db_module() -> None:
    """Adapters verify, translate and render; they reach stored data through handlers (and
    the registry, which wires each adapter, hands them a store where one is needed)."""
    for path in sorted((ROOT / "bot" / "channels").glob("*.py")):
        if path.name == "registry.py":
            continue
        assert "db" not in _imports(path), path.name


CLI = ROOT / "bot" / "cli"


def test_only_the_command_line_imports_click() -> None:
    """click stays in bot/cli/: the modules a command drives report errors as exceptions."""
    for package in ("bot", "handlers", "content", "db"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if CLI in path.parents:
                continue
            assert "click" not in _imports(path), path.relative_to(ROOT)


def test_commands_import_the_context_and_not_one_another() -> None:
    """Each command module may import bot.cli.context, the leaf, and no other part of the
    command line; only the root (bot/cli/__init__.py) names them, and imports the one asked for."""
    commands = sorted(p for p in CLI.glob("*.py") if p.name not in ("__init__.py", "context.py"))
    assert len(commands) >= 10
    for path in commands:
        for module in _imported(path):
            assert module != ".", f"{path.name}: relative import"
            if module == "bot.cli" or module.startswith("bot.cli."):
                within = module == "bot.cli.context" or module.startswith("bot.cli.context.")
                assert within, f"{path.name} imports {module}"


def test_the_command_context_is_a_leaf() -> None:
    """The settings and the chosen ward: nothing of the command line, nothing the commands
    drive (the wards file's and the ward file's errors are what it reports)."""
    first_party = ("bot", "handlers", "content", "db")
    allowed = {"bot.settings", "bot.wards", "content.loader"}
    for module in _imported(CLI / "context.py"):
        assert module != ".", "relative import"
        if module.split(".")[0] in first_party:
            assert module in allowed or module.rsplit(".", 1)[0] in allowed, module


def test_app_keys_import_no_channel_adapter() -> None:
    """bot/keys.py names what the application holds: the channel table, no adapter."""
    for module in _imported(ROOT / "bot" / "keys.py"):
        assert module.split(".")[0] not in ("telegram", "zalo"), module
        if module.startswith("bot.channels."):
            registry = "bot.channels.registry"
            assert module == registry or module.startswith(registry + "."), module


def test_the_root_names_every_command_and_imports_only_the_one_asked_for() -> None:
    from bot.cli import COMMANDS

    modules = {p.stem for p in CLI.glob("*.py")} - {"__init__", "context"}
    assert {where.split(":")[0] for where in COMMANDS.values()} == modules
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bot.cli import main\n"
        "assert CliRunner().invoke(main, ['db', '--help']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('bot.cli.')))"
    )
    printed = printed_by(code)
    assert printed.split() == ["['bot.cli.context',", "'bot.cli.db']"], printed
