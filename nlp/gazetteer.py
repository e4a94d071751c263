"""Place names walktalk knows: boroughs, districts, stations, parks, streets and estates.

Used two ways: to find where a note is about (a station, park or road named in
the text resolves to the borough or boroughs it lies in, and so to a BCU), and
to keep place names out of PII redaction ("Seven Sisters" is a station, not two
women; "Victoria Park" is a park).

Stations, districts and boroughs match only when capitalised ("the bank" is
not Bank station). Parks, streets, estates and waterways of two words or more
match in any case ("kingsland rd"): their suffix makes them unambiguous. The
usual short forms of every name (Road/Rd, Street/St, Park/Pk...) are added
automatically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlp.areas import Areas
from nlp.errors import AreasError

# Kinds whose names of two words or more match whatever their case, unless the first
# word is an everyday one ("a narrow street", "the lower marsh path", "the cut").
# Other kinds do so only when their name ends like a street or park (below).
ANY_CASE_KINDS = frozenset({"street", "park", "estate", "waterway"})
_EVERYDAY_FIRST_WORDS = frozenset(
    [
        "the",
        "broad",
        "narrow",
        "straight",
        "commercial",
        "lower",
        "upper",
        "western",
        "eastern",
        "happy",
        "high",
        "market",
        "green",
        "golden",
        "church",
        "memorial",
        "jubilee",
        "hall",
        "queen",
        "grove",
        "rush",
        "goose",
        "oaks",
        "pole",
        "forty",
        "electric",
    ]
)

# A station or district whose name ends in one of these is as unambiguous as a street
# or park ("finsbury park", "old kent road", "hackney marshes").
_PLACE_SUFFIXES = frozenset(
    {"road", "street", "lane", "avenue", "park", "common", "marshes", "fields", "gardens"}
    | {"estate", "heath", "square", "grove"}
)

# Last word -> its usual short forms in notes ("Kingsland Road" -> "Kingsland Rd").
_SHORT_FORMS = {
    "road": ("rd",),
    "street": ("st",),
    "avenue": ("ave", "av"),
    "lane": ("ln",),
    "park": ("pk",),
    "gardens": ("gdns",),
    "estate": ("est",),
    "square": ("sq",),
    "terrace": ("terr",),
    "crescent": ("cres",),
    "common": ("cmn",),
    "green": ("grn",),
    "place": ("pl",),
    "cemetery": ("cem",),
    "recreation ground": ("rec", "recreation gd"),
}


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a text: its span, the canonical name, kind and borough.

    `boroughs` lists every borough the place lies in (a road or park can cross
    boundaries); `borough` is that borough when there is exactly one, else None.
    Built with only `borough`, `boroughs` is filled from it.
    """

    start: int
    end: int
    name: str
    kind: str
    borough: str | None
    boroughs: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.boroughs and self.borough is not None:
            object.__setattr__(self, "boroughs", (self.borough,))


@dataclass(frozen=True)
class Entry:
    """One gazetteer place: canonical name, kind and the boroughs it lies in."""

    name: str
    kind: str
    boroughs: tuple[str, ...]

    @property
    def any_case(self) -> bool:
        """Whether the name matches lower-cased too ("kingsland rd", "hackney marshes")."""
        words = self.name.lower().split()
        return (
            (self.kind in ANY_CASE_KINDS or words[-1] in _PLACE_SUFFIXES)
            and len(words) >= 2
            and words[0] not in _EVERYDAY_FIRST_WORDS
        )

    def mention(self, start: int, end: int) -> PlaceMention:
        single = self.boroughs[0] if len(self.boroughs) == 1 else None
        return PlaceMention(start, end, self.name, self.kind, single, self.boroughs)


@dataclass(frozen=True)
class Gazetteer:
    """Every name and alias, lower-cased, indexed by its first word for fast matching.

    At each word start in a text the longest name that matches there (any run of
    spaces matching one space) is taken, and the search goes on after it.
    """

    index: dict[str, tuple[str, ...]]
    entries: dict[str, Entry]

    def find(self, text: str) -> list[PlaceMention]:
        lowered, offsets = _comparable(text)
        mentions = []
        resume = 0
        for word in _WORD.finditer(lowered):
            start = word.start()
            if start < resume:
                continue
            end = next(
                (
                    start + len(name)
                    for name in self.index.get(word.group(0), ())
                    if lowered.startswith(name, start)
                    and not _continues(lowered, start + len(name))
                ),
                None,
            )
            if end is None:
                continue
            resume = end
            first, last = (offsets[start], offsets[end]) if offsets else (start, end)
            value = text[first:last]
            entry = self.entries[lowered[start:end]]
            significant = value[4:] if value[:4].lower() == "the " else value  # "the Cut"
            if not (significant[:1].isupper() or entry.any_case):
                continue  # "the bank" is not Bank station
            mentions.append(entry.mention(first, last))
        return mentions

    def lookup(self, name: str) -> Entry | None:
        """The entry a name or alias belongs to, whatever its case ("the Old Kent Rd" too)."""
        key = " ".join(name.lower().split())
        for candidate in (key, key.removeprefix("the "), "the " + key, re.sub(r"['’]s$", "", key)):
            if candidate in self.entries:
                return self.entries[candidate]
        return None


def load_gazetteer(
    stations_path: Path,
    areas: Areas,
    *,
    districts_path: Path | None = None,
    parks_path: Path | None = None,
    streets_path: Path | None = None,
) -> Gazetteer:
    """Boroughs (from the area table), stations, districts, parks and streets in one matcher.

    A name already taken keeps its first meaning, in this order: stations,
    districts, parks, streets, then boroughs. Optional files that do not exist
    are skipped.
    """
    entries: dict[str, Entry] = {}
    for kind, path, key in (
        ("station", stations_path, "stations"),
        ("district", districts_path, "districts"),
        (None, parks_path, "parks"),
        (None, streets_path, "streets"),
    ):
        if path is None or (kind != "station" and not path.exists()):
            continue
        for item in _read(path).get(key) or []:
            entry = _entry(item, kind or str(item.get("kind") or key.rstrip("s")), areas, path)
            aliases = [str(alias) for alias in item.get("aliases") or []]  # type: ignore[attr-defined]
            names = [entry.name, *aliases]
            names += [short for name in names for short in short_forms(name)]
            for name in names:
                entries.setdefault(_squash(name.lower()), entry)
    for borough in areas.boroughs:
        entries.setdefault(borough.lower(), Entry(borough, "borough", (borough,)))
    index: dict[str, list[str]] = {}
    for name in sorted(entries, key=len, reverse=True):  # longest first: "Seven Sisters" first
        first = _WORD.match(name)
        if first is None:
            raise AreasError(f"The place name {name!r} must start with a letter or digit.")
        index.setdefault(first.group(0), []).append(name)
    return Gazetteer(index={k: tuple(v) for k, v in index.items()}, entries=entries)


# A word start: a letter or digit not preceded by one (nor by an apostrophe: "King's").
_WORD = re.compile(r"(?<![\w'’])[^\W_]+")


def _continues(text: str, end: int) -> bool:
    """Whether a word goes on at `end` (so a name ending there is only part of it)."""
    return end < len(text) and (text[end].isalnum() or text[end] in "_'’")


def _comparable(text: str) -> tuple[str, list[int] | None]:
    """The text lower-cased with each run of spaces as one space, and where each
    character came from (None when nothing moved)."""
    lowered = text.lower()
    if len(lowered) == len(text) and not _ODD_SPACE.search(text):
        return lowered, None
    chars: list[str] = []
    offsets: list[int] = []
    previous_space = False
    for position, ch in enumerate(text):
        space = ch.isspace()
        if space and previous_space:
            continue
        low = " " if space else ch.lower()
        if len(low) != 1:
            low = ch
        chars.append(low)
        offsets.append(position)
        previous_space = space
    offsets.append(len(text))
    return "".join(chars), offsets


_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")


def _squash(name: str) -> str:
    return " ".join(name.split())


def short_forms(name: str) -> list[str]:
    """Other spellings seen in notes: "Kingsland Rd", "Regents Canal", "St Mary's" for "Saint"."""
    forms = []
    lower = name.lower()
    for long, shorts in _SHORT_FORMS.items():
        if lower.endswith(" " + long):
            head, tail = name[: -len(long)], name[-len(long) :]
            forms += [
                head + (short.capitalize() if tail[0].isupper() else short) for short in shorts
            ]
    forms += [f.replace("'", "").replace("’", "") for f in [name, *forms] if "'" in f or "’" in f]
    return forms


def _entry(item: dict[str, object], kind: str, areas: Areas, path: Path) -> Entry:
    name = str(item["name"])
    raw = item.get("boroughs")
    if raw is None:
        single = item.get("borough")
        raw = [single] if single else []
    if not isinstance(raw, list):
        raise AreasError(f"{name!r} in {path}: boroughs must be a list.")
    boroughs = tuple(str(b) for b in raw)
    unknown = [b for b in boroughs if b not in areas.borough_bcu]
    if unknown:
        raise AreasError(f"{name!r} in {path} names unknown boroughs {unknown}.")
    return Entry(name, kind, boroughs)


def _read(path: Path) -> dict[str, list[dict[str, object]]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise AreasError(f"Cannot read the gazetteer {path}: {err}") from err
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AreasError(f"The gazetteer {path} must be a mapping.")
    return raw
