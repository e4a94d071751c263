"""`walktalk places evaluate` on the shipped labelled set (pattern-only, to stay fast)."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_places_evaluate_prints_before_and_after_rows() -> None:
    result = runner.invoke(app, ["places", "evaluate", "--no-spacy"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[2:]}
    assert set(rows) == {"before", "after"}
    exact_recall = {name: float(row[3]) for name, row in rows.items()}
    assert exact_recall["after"] > exact_recall["before"]
