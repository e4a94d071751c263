"""Where a note is about: place mentions, and the borough and BCU they point to.

Officers often write the place in the text ("walked from Seven Sisters stn to
the Lea towpath"), not in a field. The gazetteer finds stations and boroughs;
when the boroughs they resolve to agree, or one is named more than any other,
that borough (and its BCU) is the note's inferred area. When they split evenly
but share a BCU, only the BCU is inferred. Otherwise nothing is guessed.
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
    boroughs = Counter(m.borough for m in mentions if m.borough in areas.borough_bcu)
    if not boroughs:
        return None
    ranked = boroughs.most_common()
    if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
        borough = ranked[0][0]
        return AreaGuess(borough=borough, bcu=areas.bcu_of(borough))
    tied = [b for b, n in ranked if n == ranked[0][1]]
    bcus = {areas.bcu_of(b) for b in tied}
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

    They are found but not resolved to a borough: walktalk has no street
    gazetteer, and many street names exist in several boroughs.
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


def all_places(text: str, gazetteer_mentions: Sequence[PlaceMention]) -> list[PlaceMention]:
    """Gazetteer mentions plus named places that do not overlap them, in text order."""
    extra = [
        p
        for p in named_places(text)
        if not any(g.start < p.end and p.start < g.end for g in gazetteer_mentions)
    ]
    return sorted([*gazetteer_mentions, *extra], key=lambda p: p.start)
