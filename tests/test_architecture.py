"""The rooms rule and the docs rule, checked on the code itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.main import get_command

from api.settings import Settings
from cli.main import app

ROOT = Path(__file__).resolve().parents[1]
# Each room may import only the rooms listed before it.
ORDER = ["nlp", "models", "training", "api", "cli"]


def imported_rooms(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ORDER)


@pytest.mark.parametrize("room", ORDER)
def test_rooms_import_only_inner_rooms(room: str) -> None:
    allowed = set(ORDER[: ORDER.index(room) + 1])
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_rooms(path) - allowed)
        for path in (ROOT / room).rglob("*.py")
        if imported_rooms(path) - allowed
    }
    assert offenders == {}


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"WALKTALK_{name.upper()}"
        for name in Settings.model_fields
        if f"WALKTALK_{name.upper()}" not in readme
    ]
    assert missing == []


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = get_command(app)
    commands = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        commands += [f"walktalk {name} {sub}" for sub in subs] if subs else [f"walktalk {name}"]
    missing = [c for c in commands if not re.search(re.escape(c) + r"\b", readme)]
    assert missing == []
