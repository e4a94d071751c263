from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from nlp.resources import SEED_DIR

runner = CliRunner()


def test_check_passes_on_the_seed_corpus_and_prints_counts() -> None:
    result = runner.invoke(app, ["data", "check", str(SEED_DIR)])
    assert result.exit_code == 0, result.output
    assert "OK: no problems found" in result.stdout
    assert "lighting" in result.stdout
    assert "label combinations:" in result.stdout


def test_check_fails_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "dark", "themes": ["glare"]}\n{oops\n', encoding="utf-8")
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: themes: unknown theme(s) ['glare']" in result.stdout
    assert f"{path}:2: line is not valid JSON" in result.stdout
    assert "FAILED: 2 problem(s)" in result.stdout


def test_check_of_a_missing_path_is_a_titled_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "check", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "No file or folder" in str(result.exception)


def test_split_writes_three_stratified_files(tmp_path: Path) -> None:
    out = tmp_path / "splits"
    result = runner.invoke(app, ["data", "split", str(SEED_DIR / "train.jsonl"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    sizes = {p.stem: len(p.read_text().splitlines()) for p in out.glob("*.jsonl")}
    assert set(sizes) == {"train", "validation", "test"}
    assert sum(sizes.values()) == len((SEED_DIR / "train.jsonl").read_text().splitlines())


def test_agreement_of_a_file_with_itself_is_perfect(tmp_path: Path) -> None:
    second = tmp_path / "second.jsonl"
    notes = [json.loads(line) for line in (SEED_DIR / "test.jsonl").read_text().splitlines()]
    flipped = [
        {"id": n["id"], "themes": n["themes"] if i else ["lighting"]} for i, n in enumerate(notes)
    ]
    second.write_text("\n".join(json.dumps(n) for n in flipped) + "\n")
    result = runner.invoke(app, ["data", "agreement", str(SEED_DIR / "test.jsonl"), str(second)])
    assert result.exit_code == 0, result.output
    assert f"notes labelled by both: {len(notes)}" in result.stdout
    assert "notes with any disagreement: " in result.stdout
