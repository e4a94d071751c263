"""The checker, fed broken files: every message names the line and the fault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.areas import Areas
from nlp.errors import DataFileError
from nlp.taxonomy import Taxonomy
from training.data_check import CheckReport, check_files


def note(**fields: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "n1",
        "text": "The lamp by the alley has been out for weeks",
        "themes": ["lighting"],
    }
    record.update(fields)
    return record


def write_jsonl(path: Path, *records: dict[str, object] | str) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(path: Path, taxonomy: Taxonomy, areas: Areas) -> CheckReport:
    return check_files([path], taxonomy=taxonomy, areas=areas)


def messages(report: CheckReport) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_a_good_file_passes_and_is_counted(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = write_jsonl(
        tmp_path / "good.jsonl",
        note(source="officer", borough="Camden", bcu="Central North"),
        note(id="n2", text="Thanks for the walk, lovely team", themes=[], source="participant"),
    )
    report = check(path, taxonomy, areas)
    assert report.ok, messages(report)
    assert report.stats.notes == 2
    assert report.stats.themes["lighting"] == 1
    assert report.stats.no_theme == 1
    assert report.stats.bcus["Central North"] == 1


def test_bad_json_names_the_line(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", note(), '{"id": "n2", "text": ')
    assert messages(check(path, taxonomy, areas)) == [
        f"{path}:2: line is not valid JSON (Expecting value at column 22)"
    ]


def test_a_json_line_that_is_not_an_object(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = write_jsonl(tmp_path / "list.jsonl", "[1, 2]")
    assert messages(check(path, taxonomy, areas)) == [
        f"{path}:1: line must be a JSON object, got list"
    ]


def test_unknown_theme_lists_the_known_ones(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = write_jsonl(tmp_path / "theme.jsonl", note(themes=["lighting", "litter"]))
    (message,) = messages(check(path, taxonomy, areas))
    assert message.startswith(f"{path}:1: themes: unknown theme(s) ['litter']")
    assert "'lighting', 'harassment', 'isolation', 'transport'" in message


def test_pii_span_past_the_end_of_the_text(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = write_jsonl(
        tmp_path / "span.jsonl", note(pii=[{"start": 40, "end": 99, "label": "PERSON"}])
    )
    (message,) = messages(check(path, taxonomy, areas))
    assert message == f"{path}:1: pii: PII span 40-99 ends past the text (44 characters)"


def test_pii_span_backwards_or_overlapping(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = write_jsonl(
        tmp_path / "span.jsonl",
        note(pii=[{"start": 5, "end": 3, "label": "PHONE"}]),
        note(
            id="n2",
            text="Call Ann Lee on 07700 900123",
            pii=[
                {"start": 5, "end": 12, "label": "PERSON"},
                {"start": 10, "end": 28, "label": "PHONE"},
            ],
        ),
    )
    assert messages(check(path, taxonomy, areas)) == [
        f"{path}:1: pii.0: span end 3 must be after its start 5",
        f"{path}:2: pii: PII spans 5-12 and 10-28 overlap",
    ]


def test_unknown_pii_label(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    path = write_jsonl(tmp_path / "span.jsonl", note(pii=[{"start": 0, "end": 3, "label": "NAME"}]))
    (message,) = messages(check(path, taxonomy, areas))
    assert message.startswith(f"{path}:1: pii.0.label: Input should be 'PERSON'")


def test_exact_and_near_duplicates(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    text = "Street lights on the towpath between the lock and the bridge are out again"
    path = write_jsonl(
        tmp_path / "dupes.jsonl",
        note(id="a", text=text),
        note(id="b", text=text.upper()),
        note(id="c", text=text.replace("again", "still")),
    )
    found = messages(check(path, taxonomy, areas))
    assert f"{path}:2: text: duplicates the text at {path}:1" in found
    assert any(m.startswith(f"{path}:3: text: near-duplicate of {path}:1") for m in found)


def test_repeated_id(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    path = write_jsonl(tmp_path / "ids.jsonl", note(), note(text="Nobody around at the bus stop"))
    assert messages(check(path, taxonomy, areas)) == [
        f"{path}:2: id: 'n1' is also used at {path}:1"
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": "   "}, "text: the text is empty"),
        ({"text": "x" * 10_001}, "text: String should have at most 10000 characters"),
        ({"themes": "lighting"}, "themes: Input should be a valid tuple"),
        ({"themes": ["lighting", "lighting"]}, "themes: themes repeat ['lighting']"),
        ({"source": "victim"}, "source: Input should be 'officer' or 'participant'"),
        ({"theme": ["lighting"]}, "theme: is not a known field"),
        ({"created_at": "last Tuesday"}, "created_at: Input should be a valid datetime"),
        ({"borough": "Gotham"}, "borough: 'Gotham' is not a London borough or the City"),
        ({"borough": "Camden", "bcu": "South"}, "bcu: Camden is in 'Central North', not 'South'"),
        ({"bcu": "Midlands"}, "bcu: 'Midlands' is not one of the BCUs"),
    ],
)
def test_field_problems(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas, fields: dict[str, object], expected: str
) -> None:
    path = write_jsonl(tmp_path / "f.jsonl", note(**fields))
    (message,) = messages(check(path, taxonomy, areas))
    assert message.startswith(f"{path}:1: {expected}")


def test_missing_required_fields(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", {"text": "Dark path"})
    assert messages(check(path, taxonomy, areas)) == [
        f"{path}:1: id: Field required",
        f"{path}:1: themes: Field required",
    ]


def test_invalid_utf8_line_is_reported_and_others_kept(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = tmp_path / "enc.jsonl"
    path.write_bytes(json.dumps(note()).encode() + b"\n" + b'{"id": "x", "text": "caf\xe9"}\n')
    report = check(path, taxonomy, areas)
    assert messages(report) == [f"{path}:2: line is not valid UTF-8 text"]
    assert report.stats.notes == 1


def test_csv_with_semicolon_themes(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        "id,text,themes,source\n"
        "a,Dark and deserted canal path,lighting;isolation,participant\n"
        'b,"Man shouted at me, on the bus",harassment;transport;bogus,participant\n',
        encoding="utf-8",
    )
    report = check(path, taxonomy, areas)
    assert [str(p) for p in report.problems] == [
        f"{path}:3: themes: unknown theme(s) ['bogus']; the taxonomy (version 1) has "
        "['lighting', 'harassment', 'isolation', 'transport']"
    ]
    assert report.stats.themes["isolation"] == 1


def test_csv_without_a_themes_column_is_not_read_as_no_themes(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("id,text\na,Dark path\n", encoding="utf-8")
    assert messages(check(path, taxonomy, areas)) == [f"{path}:2: themes: Field required"]


def test_folder_is_checked_across_files(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    write_jsonl(tmp_path / "a.jsonl", note())
    write_jsonl(tmp_path / "b.jsonl", note(id="n2"))
    report = check_files([tmp_path], taxonomy=taxonomy, areas=areas)
    assert messages(report) == [
        f"{tmp_path / 'b.jsonl'}:1: text: duplicates the text at {tmp_path / 'a.jsonl'}:1"
    ]


def test_missing_path_and_wrong_suffix(tmp_path: Path, taxonomy: Taxonomy, areas: Areas) -> None:
    with pytest.raises(DataFileError, match="No file or folder"):
        check(tmp_path / "nope.jsonl", taxonomy, areas)
    odd = tmp_path / "notes.txt"
    odd.write_text("hello", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"\.jsonl, \.csv or \.parquet"):
        check(odd, taxonomy, areas)


def test_a_minimal_pair_may_be_near_duplicates(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = write_jsonl(
        tmp_path / "pairs.jsonl",
        note(
            id="a",
            text="A man stared at me the whole way home on the bus",
            themes=["harassment", "transport"],
            pair="p1",
        ),
        note(
            id="b",
            text="A man stared at me the whole way home on foot",
            themes=["harassment"],
            pair="p1",
        ),
    )
    assert check(path, taxonomy, areas).ok


def test_a_minimal_pair_must_differ_by_exactly_one_theme(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    path = write_jsonl(
        tmp_path / "pairs.jsonl",
        note(
            id="a",
            text="A man stared at me on the bus",
            themes=["harassment", "transport"],
            pair="p1",
        ),
        note(id="b", text="The bus was fine", themes=[], pair="p1"),
        note(id="c", text="Dark path", themes=["lighting"], pair="p2"),
    )
    found = messages(check(path, taxonomy, areas))
    assert any("pair: 'p1' must differ by exactly one theme" in m for m in found)
    assert any("pair: 'p2' has 1 notes, not 2" in m for m in found)


def test_near_duplicates_in_different_pairs_are_still_reported(
    tmp_path: Path, taxonomy: Taxonomy, areas: Areas
) -> None:
    text = "A man stared at me the whole way home on the bus"
    path = write_jsonl(
        tmp_path / "pairs.jsonl",
        note(id="a", text=text, themes=["harassment", "transport"], pair="p1"),
        note(id="b", text=text + " again", themes=["harassment", "transport"], pair="p2"),
    )
    assert any("near-duplicate" in m for m in messages(check(path, taxonomy, areas)))
