"""The theme taxonomy as data: names, definitions and examples, with a version.

Themes are read from a YAML file so that a force can add or rename a theme
without touching code; the version travels into every model card so that a
model trained on one taxonomy is never silently used with another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp.errors import TaxonomyError

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Theme:
    """One theme: its machine name and the human definition reviewers see."""

    name: str
    description: str
    not_: str
    examples: tuple[str, ...]
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """An ordered, versioned set of themes. Order fixes label-matrix columns."""

    version: int
    themes: tuple[Theme, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(theme.name for theme in self.themes)

    def unknown(self, names: list[str] | tuple[str, ...]) -> list[str]:
        """Return the given names that are not themes of this taxonomy."""
        known = set(self.names)
        return [name for name in names if name not in known]


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate a taxonomy file; raise TaxonomyError saying what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise TaxonomyError(f"No taxonomy file at {path}.") from err
    except yaml.YAMLError as err:
        raise TaxonomyError(f"The taxonomy file {path} is not valid YAML: {err}") from err
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), list):
        raise TaxonomyError(f"{path} must be a mapping with a 'themes' list.")
    version = raw.get("version")
    if not isinstance(version, int) or version < 1:
        raise TaxonomyError(f"{path} needs an integer 'version' >= 1, got {version!r}.")
    themes = tuple(_parse_theme(item, path) for item in raw["themes"])
    names = [theme.name for theme in themes]
    if not names or len(set(names)) != len(names):
        raise TaxonomyError(f"{path} must list at least one theme, each name once: {names}.")
    return Taxonomy(version=version, themes=themes)


def _parse_theme(item: object, path: Path) -> Theme:
    if not isinstance(item, dict):
        raise TaxonomyError(f"Each theme in {path} must be a mapping, got {item!r}.")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise TaxonomyError(f"Theme names in {path} must be lower-case identifiers, got {name!r}.")
    description = item.get("description")
    if not isinstance(description, str) or not description.strip():
        raise TaxonomyError(f"Theme {name!r} in {path} needs a description.")
    examples = item.get("examples") or []
    return Theme(
        name=name,
        description=description.strip(),
        not_=str(item.get("not", "")).strip(),
        examples=tuple(str(example) for example in examples),
        cues=tuple(str(cue) for cue in item.get("cues") or []),
    )
