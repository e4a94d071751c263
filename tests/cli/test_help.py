"""`walktalk --help` answers at once: no heavy library is imported until a command needs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "spacy", "sklearn", "datasets", "onnxruntime", "sqlalchemy")


def test_loading_the_command_line_imports_no_heavy_library() -> None:
    probe = f"import sys, cli.main; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["serve", "train", "classify", "models", "data"]),
        (["serve"], ["--host", "--port", "--workers", "--reload"]),
        (["train"], ["--kind", "transformer"]),
        (["classify"], ["--evidence"]),
    ],
)
def test_help_lists_the_options(args: list[str], expected: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", *args, "--help"],
        check=True,
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": ""},
    ).stdout
    for word in expected:
        assert word in out


COMMANDS = [
    ["serve"],
    ["train"],
    ["evaluate"],
    ["classify"],
    ["redact"],
    ["data", "check"],
    ["data", "split"],
    ["data", "agreement"],
    ["models", "list"],
    ["models", "show"],
    ["models", "activate"],
    ["models", "rollback"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
    ["notes", "erase"],
    ["notes", "expire"],
    ["counts", "rebuild"],
    ["pii", "evaluate"],
    ["places", "evaluate"],
    ["safeguarding", "train"],
]


def test_every_command_shows_an_example() -> None:
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    missing = [
        " ".join(command)
        for command in COMMANDS
        if "Example: " not in runner.invoke(app, [*command, "--help"]).output
    ]
    assert missing == []
