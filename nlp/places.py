"""Where a note is about: place mentions, and the borough and BCU they point to.

Officers often write the place in the text ("walked from Seven Sisters stn to
the Lea towpath"), not in a field. The gazetteer finds stations, districts,
boroughs, parks, streets and estates; a suffix pattern finds other named
streets and parks (kind only); with a spaCy pipeline loaded, its GPE, LOC and
FAC entities add the rest (see `nlp.place_ner`).

How the mentions settle the note's area (`infer_area`):

- A mention in exactly one borough is a vote for it. When the votes agree, or
  one borough has more than any other, that borough (and its BCU) is inferred.
- A mention in several boroughs (a long road, a park on a boundary) casts no
  vote. It confirms, and breaks ties between, the voted boroughs it lies in:
  Hackney and Camden named once each plus a road through Hackney and Islington
  gives Hackney.
- Votes split evenly between boroughs of one BCU give only that BCU.
- With no votes at all, the several-borough mentions decide alone only as far
  as they agree: the boroughs they all share, if one, give that borough; if
  those (or, when they share none, all of theirs) lie in one BCU, that BCU.
- Otherwise nothing is guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.areas import Areas
from nlp.gazetteer import PlaceMention


@dataclass(frozen=True)
class AreaGuess:
    borough: str | None
    bcu: str | None


def infer_area(mentions: Sequence[PlaceMention], areas: Areas) -> AreaGuess | None:
    """The borough/BCU the mentions point to, or None when they do not settle it."""
    known = [tuple(b for b in m.boroughs if b in areas.borough_bcu) for m in mentions]
    single = [len(m.boroughs) == 1 for m in mentions]
    votes = Counter(bs[0] for bs, one in zip(known, single, strict=True) if one and bs)
    spread = [set(bs) for bs, one in zip(known, single, strict=True) if not one and bs]
    if votes:
        support = Counter(b for bs in spread for b in bs if b in votes)
        ranked = sorted(votes, key=lambda b: (votes[b], support[b]), reverse=True)
        best = (votes[ranked[0]], support[ranked[0]])
        tied = [b for b in ranked if (votes[b], support[b]) == best]
        return _guess(tied, areas)
    if not spread:
        return None
    shared = set.intersection(*spread)
    return _guess(sorted(shared or set.union(*spread)), areas, one_borough=bool(shared))


def _guess(boroughs: Sequence[str], areas: Areas, *, one_borough: bool = True) -> AreaGuess | None:
    """One borough -> it and its BCU; several in one BCU -> the BCU; else nothing."""
    if len(boroughs) == 1 and one_borough:
        return AreaGuess(borough=boroughs[0], bcu=areas.bcu_of(boroughs[0]))
    bcus = {areas.bcu_of(b) for b in boroughs}
    if len(bcus) == 1 and None not in bcus:
        return AreaGuess(borough=None, bcu=bcus.pop())
    return None


_KINDS = {
    "street": "Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Way|Close|Place|Row|Crescent|Grove|Rise|"
    "Parade|Terrace|Drive|Broadway|Hill|High Street|High St|Square|Sq|Mews|Approach|Walk",
    "park": "Park|Common|Green|Gardens|Gdns|Fields|Marshes|Rec|Recreation Ground|Wood|Heath|Meadows",
    "estate": "Estate|Est",
    "waterway": "Towpath|Canal|Reservoir",
}
_NAMED_PLACE = re.compile(
    r"(?<![\w'’])((?:[A-Z][\w'’.-]*\s){1,3}(?:"
    + "|".join(f"(?P<{kind}>{alternatives})" for kind, alternatives in _KINDS.items())
    + r"))(?![\w'’])"
)


_LEAD_WORDS = {
    "walked",
    "met",
    "via",
    "from",
    "to",
    "on",
    "at",
    "along",
    "near",
    "nr",
    "past",
    "behind",
    "outside",
    "the",
    "then",
    "down",
    "up",
    "across",
    "through",
    "into",
    "towards",
    "twds",
    "and",
    "by",
    "in",
    "patrolled",
    "route",
    "pts",
    "pt",
    "ptn",
}
_KINDS_WORDS = {
    w for alternatives in _KINDS.values() for w in alternatives.split("|") if " " not in w
}


def named_places(text: str) -> list[PlaceMention]:
    """Streets, parks, estates and waterways named with their suffix ("Hoe St", "Burgess Park").

    They are found but not resolved to a borough: the ones the gazetteer knows
    are resolved by it (and win over these in `all_places`); the rest, often
    names that exist in several boroughs, keep only their kind.
    """
    mentions = []
    for match in _NAMED_PLACE.finditer(text):
        kind = next(k for k in _KINDS if match.group(k))
        start, name = match.start(1), match.group(1)
        first, _, rest = name.partition(" ")
        while rest and first.lower() in _LEAD_WORDS:  # "Walked Hoe St" -> "Hoe St"
            start += len(first) + 1
            name = rest
            first, _, rest = name.partition(" ")
        if name.split()[0] in _KINDS_WORDS:  # the suffix alone ("Park", "High St")
            continue
        mentions.append(PlaceMention(start, match.end(1), name, kind, None))
    return mentions


def all_places(
    text: str,
    gazetteer_mentions: Sequence[PlaceMention],
    entity_mentions: Sequence[PlaceMention] = (),
) -> list[PlaceMention]:
    """Every place a text names, without overlaps, in text order.

    Gazetteer mentions come first, then pipeline entities the gazetteer
    resolved (a lower-case "brixton"), then suffix-pattern names, then the
    pipeline's unresolved entities; each is kept only if it overlaps none kept
    before it.
    """
    resolved = [m for m in entity_mentions if m.boroughs]
    unresolved = [m for m in entity_mentions if not m.boroughs]
    kept: list[PlaceMention] = []
    for group in (gazetteer_mentions, resolved, named_places(text), unresolved):
        kept += [p for p in group if not any(k.start < p.end and p.start < k.end for k in kept)]
    return sorted(kept, key=lambda p: p.start)
