"""`walktalk classify` on good and broken input, with a real registered model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from models.classifier import ThemeClassifier
from models.registry import ModelRegistry
from tests.factories import THEMES, tiny_corpus

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A WALKTALK_HOME with one active model trained on the tiny corpus."""
    texts, labels = tiny_corpus()
    model = ThemeClassifier(C=100.0).fit(texts, labels, theme_names=THEMES)
    registry = ModelRegistry(tmp_path / "models")
    registry.register(model, {"kind": "linear", "created_at": "2026-01-01"}, version="tiny")
    registry.set_active("tiny", reason="test")
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    return tmp_path


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_classifies_jsonl_in_input_order(home: Path) -> None:
    source = "\n".join(
        json.dumps({"id": i, "text": t, "borough": "Camden"})
        for i, t in enumerate(["Pitch black path, no lights at all", "Lovely walk, thank you"])
    )
    result = runner.invoke(app, ["classify"], input=source)
    assert result.exit_code == 0, result.output
    first, second = lines(result.stdout)
    assert (first["id"], second["id"]) == ("0", "1")
    assert first["themes"] == ["lighting"]
    assert first["model"] == "tiny"
    assert set(first["scores"]) == set(THEMES)  # type: ignore[arg-type]
    assert first["evidence"] == {"lighting": [[0, 11], [18, 27]]}
    assert second["themes"] == []


def test_csv_file_to_file(home: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    src.write_text(
        'id,text\na,"A man followed me, shouting"\nb,Dog fouling again\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in lines(out.read_text())] == ["a", "b"]
    assert lines(out.read_text())[0]["themes"] == ["harassment"]


BROKEN = "\n".join(
    [
        json.dumps({"id": "ok1", "text": "Dark alley"}),
        "{not json",
        json.dumps({"id": "e", "text": "   "}),
        json.dumps({"text": "no id here"}),
        json.dumps({"id": "ok1", "text": "repeat id"}),
        json.dumps({"id": "big", "text": "x" * 10_001}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "ok2", "text": "Bus stop is scary"}),
    ]
)


def test_skip_reports_every_bad_line_and_keeps_the_good(home: Path) -> None:
    result = runner.invoke(app, ["classify", "--on-error", "skip"], input=BROKEN)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in lines(result.stdout)] == ["ok1", "ok2"]
    for expected in [
        "line 2: is not valid JSON",
        "line 3: needs a non-empty 'text' string",
        "line 4: needs an 'id'",
        "line 5: id 'ok1' was already used",
        "line 6: text is 10001 characters; the limit is 10000",
        "line 7: must be a JSON object",
        "skipped 6 bad lines",
    ]:
        assert expected in result.stderr


def test_fail_stops_at_the_first_bad_line_after_writing_earlier_ones(home: Path) -> None:
    result = runner.invoke(app, ["classify"], input=BROKEN)
    assert result.exit_code == 1
    assert [r["id"] for r in lines(result.stdout)] == ["ok1"]
    assert "line 2: is not valid JSON" in result.stderr


def test_invalid_utf8_is_a_bad_line(home: Path) -> None:
    data = b'{"id": "a", "text": "caf\xe9"}\n{"id": "b", "text": "Dark"}\n'
    result = runner.invoke(app, ["classify", "--on-error", "skip"], input=data)
    assert "line 1: is not valid UTF-8 text" in result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["b"]


def test_csv_without_text_column(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,hello\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--input", str(src)])
    assert result.exit_code == 1
    assert "must name 'id' and 'text' columns" in result.stderr


def test_no_model_says_which_command_trains_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALKTALK_HOME", str(tmp_path))
    result = runner.invoke(app, ["classify"], input='{"id": 1, "text": "x"}\n')
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception)
    assert "walktalk train" in str(getattr(result.exception, "hint", ""))
