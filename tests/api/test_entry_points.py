"""The same note gets the same themes and scores through every entry point.

`/v1/classify`, `/v1/notes` and `walktalk classify` all prepare text with
`nlp.prepare.prepare_texts` (normalise, check, redact) before the model sees it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app as cli_app
from tests.api.conftest import Api

NOTES = [
    "Pt Kerry Walsh 07700 900123 says the alley by Tesco is pitch black\u00a0and nobody is about",
    "A man   followed me\u200b from the bus stop,\n\n\n\ncall me on 07700 900456",
    "  Great walk, thank you Sophie Adeyemi!  ",
    "Lads outside the chicken shop shout at girls; email kerry.walsh@example.com",
]


def _via_cli(home: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    monkeypatch.setenv("WALKTALK_HOME", str(home))
    source = "\n".join(json.dumps({"id": str(i), "text": t}) for i, t in enumerate(NOTES))
    result = CliRunner().invoke(cli_app, ["classify"], input=source)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def test_classify_notes_and_cli_agree_on_themes_and_scores(
    api: Api, model_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    classified = api.client.post(
        "/v1/classify", json={"texts": NOTES}, headers=api.headers("admin")
    ).json()["results"]
    stored = api.client.post(
        "/v1/notes", json={"notes": [{"text": t} for t in NOTES]}, headers=api.headers("admin")
    ).json()["notes"]
    from_cli = _via_cli(model_home, monkeypatch)
    for via_classify, via_notes, via_cli in zip(classified, stored, from_cli, strict=True):
        assert via_classify["themes"] == via_notes["themes"] == via_cli["themes"]
        assert via_classify["scores"] == via_notes["scores"] == via_cli["scores"]
        assert via_classify["text"] == via_notes["text"] == via_cli["text"]
        assert "07700" not in via_classify["text"]


def test_classify_answers_with_the_redacted_text_its_evidence_indexes(api: Api) -> None:
    result = api.client.post(
        "/v1/classify",
        json={"texts": ["Pt Kerry Walsh says the lamp is out and the path pitch black"]},
        headers=api.headers("tagger"),
    ).json()["results"][0]
    assert "Kerry" not in result["text"]
    assert "[PERSON]" in result["text"]
    for spans in result["evidence"].values():
        for start, end in spans:
            assert 0 <= start < end <= len(result["text"])


def test_classify_refuses_a_text_that_is_empty_once_normalised(api: Api) -> None:
    response = api.client.post(
        "/v1/classify",
        json={"texts": ["ok text", "\u200b\u200b \t"]},
        headers=api.headers("tagger"),
    )
    assert response.status_code == 422
    assert "texts[1]" in response.text
