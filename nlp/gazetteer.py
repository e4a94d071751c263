"""Place names walktalk knows: London boroughs and rail-transit stations.

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


def load_gazetteer(stations_path: Path, areas: Areas) -> Gazetteer:
    """Boroughs (from the area table) and stations (with aliases) in one matcher."""
    try:
        raw = yaml.safe_load(stations_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise AreasError(f"Cannot read the station gazetteer {stations_path}: {err}") from err
    entries: dict[str, tuple[str, str, str | None]] = {}
    for station in raw.get("stations") or []:
        for name in [station["name"], *(station.get("aliases") or [])]:
            entries.setdefault(name.lower(), (station["name"], "station", station.get("borough")))
    for borough in areas.boroughs:
        entries.setdefault(borough.lower(), (borough, "borough", borough))
    names = sorted(entries, key=len, reverse=True)
    alternation = "|".join(re.escape(name) for name in names)
    pattern = re.compile(rf"(?<![\w'’])(?:{alternation})(?![\w'’])", re.IGNORECASE)
    return Gazetteer(pattern=pattern, entries=entries)
