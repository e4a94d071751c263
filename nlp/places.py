"""Where a note is about: place mentions, and the borough and BCU they point to.

Officers often write the place in the text ("walked from Seven Sisters stn to
the Lea towpath"), not in a field. The gazetteer finds stations and boroughs;
when the boroughs they resolve to agree, or one is named more than any other,
that borough (and its BCU) is the note's inferred area. When they split evenly
but share a BCU, only the BCU is inferred. Otherwise nothing is guessed.
"""

from __future__ import annotations

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
