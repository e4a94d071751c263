"""Place names walktalk knows: London boroughs, districts and rail-transit stations.

Used two ways: to find where a note is about (a station or borough named in the
text resolves to a borough, and so to a BCU), and to keep place names out of
PII redaction ("Seven Sisters" is a station, not two women).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp.areas import Areas
from nlp.errors import AreasError


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a text: its span, the canonical name, kind and borough."""

    start: int
    end: int
    name: str
    kind: str
    borough: str | None


@dataclass(frozen=True)
class Gazetteer:
    """Compiled matcher over every name and alias, longest names first."""

    pattern: re.Pattern[str]
    entries: dict[str, tuple[str, str, str | None]]

    def find(self, text: str) -> list[PlaceMention]:
        mentions = []
        for match in self.pattern.finditer(text):
            if not match.group(0)[0].isupper():  # "the bank" is not Bank station
                continue
            name, kind, borough = self.entries[match.group(0).lower()]
            mentions.append(PlaceMention(match.start(), match.end(), name, kind, borough))
        return mentions


def load_gazetteer(
    stations_path: Path, areas: Areas, *, districts_path: Path | None = None
) -> Gazetteer:
    """Boroughs (from the area table), stations and districts (with aliases) in one matcher."""
    entries: dict[str, tuple[str, str, str | None]] = {}
    for kind, path, key in (
        ("station", stations_path, "stations"),
        ("district", districts_path, "districts"),
    ):
        if path is None or (kind == "district" and not path.exists()):
            continue
        for item in _read(path).get(key) or []:
            canonical, borough = str(item["name"]), item.get("borough")
            aliases = [str(alias) for alias in item.get("aliases") or []]  # type: ignore[attr-defined]
            for name in [canonical, *aliases]:
                entries.setdefault(
                    name.lower(), (canonical, kind, str(borough) if borough else None)
                )
    for borough in areas.boroughs:
        entries.setdefault(borough.lower(), (borough, "borough", borough))
    names = sorted(entries, key=len, reverse=True)  # longest first: "Seven Sisters" before "Seven"
    alternation = "|".join(re.escape(name) for name in names)
    pattern = re.compile(rf"(?<![\w'’])(?:{alternation})(?![\w'’])", re.IGNORECASE)
    return Gazetteer(pattern=pattern, entries=entries)


def _read(path: Path) -> dict[str, list[dict[str, object]]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise AreasError(f"Cannot read the gazetteer {path}: {err}") from err
    if not isinstance(raw, dict):
        raise AreasError(f"The gazetteer {path} must be a mapping.")
    return raw
