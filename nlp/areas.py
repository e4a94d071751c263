"""London boroughs and the force's Basic Command Units (BCUs), as data.

Counts are grouped by borough and BCU, and a note may carry either, both or
neither; this table is what keeps the two consistent. It is read from the
gazetteer folder, where the sources of the facts are noted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp.errors import AreasError


@dataclass(frozen=True)
class Areas:
    """Borough -> BCU lookups. A borough outside every BCU maps to None."""

    bcu_names: dict[str, str]
    borough_bcu: dict[str, str | None]

    @property
    def boroughs(self) -> tuple[str, ...]:
        return tuple(sorted(self.borough_bcu))

    @property
    def bcus(self) -> tuple[str, ...]:
        """BCU display names, as stored on notes."""
        return tuple(self.bcu_names.values())

    def bcu_of(self, borough: str) -> str | None:
        """The BCU name a borough belongs to (None for the City of London)."""
        return self.borough_bcu[borough]


def load_areas(path: Path) -> Areas:
    """Read the borough / BCU table and check each borough is in one place only."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise AreasError(f"Cannot read the area table {path}: {err}") from err
    bcu_names: dict[str, str] = {}
    borough_bcu: dict[str, str | None] = {}
    for code, entry in (raw.get("bcus") or {}).items():
        bcu_names[code] = entry["name"]
        for borough in entry["boroughs"]:
            if borough in borough_bcu:
                raise AreasError(f"{borough!r} is listed under two BCUs in {path}.")
            borough_bcu[borough] = entry["name"]
    for borough in raw.get("outside_bcus") or []:
        borough_bcu[borough] = None
    if not borough_bcu:
        raise AreasError(f"The area table {path} lists no boroughs.")
    return Areas(bcu_names=bcu_names, borough_bcu=borough_bcu)
