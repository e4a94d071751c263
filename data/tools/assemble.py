"""Turn writers' part files into labelled notes in the seed format.

Writers marked personal data inline as {{TYPE|value}}; this replaces each marker
with its value and records the character span, so every span is exact. Minimal
pairs (ids ending -pNNNa / -pNNNb) get a shared `pair` id. Used once to build
data/broad/ and data/ood/ (see their README cards); kept so the build can be
repeated and checked.

    python data/tools/assemble.py split OUT_DIR [--validation 0.15] [--labels R.jsonl] [--drop ID]... PART...
    python data/tools/assemble.py join OUT_FILE [--labels RESOLVED.jsonl] PART...
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

MARK = re.compile(r"\{\{([A-Z_]+)\|([^{}|]+)\}\}")
PAIR = re.compile(r"^(.*-p\d+)[ab]$")
SEED = 20261206


def convert(raw: dict[str, Any]) -> dict[str, Any]:
    """One writer's line as a labelled note: markers become PII spans, pairs get an id."""
    text, spans, cursor, pieces = raw["text"], [], 0, []
    length = 0
    for match in MARK.finditer(text):
        pieces.append(text[cursor : match.start()])
        length += match.start() - cursor
        value = match.group(2)
        spans.append({"start": length, "end": length + len(value), "label": match.group(1)})
        pieces.append(value)
        length += len(value)
        cursor = match.end()
    pieces.append(text[cursor:])
    note: dict[str, Any] = {
        "id": raw["id"],
        "text": "".join(pieces),
        "themes": sorted(raw["themes"]),
    }
    for key in ("source", "hard"):
        if raw.get(key):
            note[key] = raw[key]
    if spans:
        note["pii"] = spans
    if pair := PAIR.match(raw["id"]):
        note["pair"] = pair.group(1)
    return note


def read_parts(parts: list[Path]) -> list[dict[str, Any]]:
    return [convert(json.loads(line)) for part in parts for line in part.open() if line.strip()]


def write(path: Path, notes: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for note in notes:
            out.write(json.dumps(note, ensure_ascii=False) + "\n")


def split(notes: list[dict[str, Any]], validation: float) -> tuple[list[Any], list[Any]]:
    """Train and validation, keeping both notes of a minimal pair on the same side."""
    units: dict[str, list[dict[str, Any]]] = {}
    for note in notes:
        units.setdefault(note.get("pair") or note["id"], []).append(note)
    keys = sorted(units)
    random.Random(SEED).shuffle(keys)
    cut = round(len(keys) * validation)
    return (
        [n for k in keys[cut:] for n in units[k]],
        [n for k in keys[:cut] for n in units[k]],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["split", "join"])
    parser.add_argument("out", type=Path)
    parser.add_argument("parts", type=Path, nargs="+")
    parser.add_argument("--validation", type=float, default=0.15)
    parser.add_argument(
        "--labels", type=Path, help="JSON lines of {id, themes}: adjudicated labels"
    )
    parser.add_argument(
        "--drop", action="append", default=[], help="an id to leave out (repeatable)"
    )
    args = parser.parse_args()
    notes = [n for n in read_parts(args.parts) if n["id"] not in set(args.drop)]
    if args.labels:
        resolved = {r["id"]: r["themes"] for r in map(json.loads, args.labels.open())}
        notes = [{**n, "themes": sorted(resolved.get(n["id"], n["themes"]))} for n in notes]
    if args.mode == "join":
        write(args.out, notes)
        return
    train, validation = split(notes, args.validation)
    write(args.out / "train.jsonl", train)
    write(args.out / "validation.jsonl", validation)


if __name__ == "__main__":
    main()
