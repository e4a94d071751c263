"""Small, readable data for tests: notes whose themes nobody would dispute."""

from __future__ import annotations

import numpy as np

THEMES = ("lighting", "harassment", "isolation", "transport")

# Unlabelled notes as a client would post them, for tests of the stored-note API.
NOTE_TEXTS = [
    "Pitch black canal path and nobody ever about",
    "Men hanging round the night bus stop make comments at women",
    "Street lamps broken all along the high road",
    "Lovely walk, thanks to the team",
    "Station platform deserted late at night, no staff, no cameras",
    "Lads on bikes shout at girls outside the chicken shop",
    "The underpass by the retail park feels a bit dim",
    "Waited forty minutes for a bus at a stop with no shelter",
]

TINY: list[tuple[str, tuple[str, ...]]] = [
    ("The street lamps on Elm Road are all broken", ("lighting",)),
    ("Path through the park is pitch black at night", ("lighting",)),
    ("No lights at all along the towpath", ("lighting",)),
    ("The underpass bulbs have been out for weeks", ("lighting",)),
    ("A man followed me home and kept shouting at me", ("harassment",)),
    ("Builders catcall girls walking past the site", ("harassment",)),
    ("He grabbed my arm and made sexual comments", ("harassment",)),
    ("Lads on bikes threatened us outside the shop", ("harassment",)),
    ("The alley is deserted, nobody would hear you scream", ("isolation",)),
    ("Not a soul about on the common once the cafe shuts", ("isolation",)),
    ("Overgrown bushes where anyone could hide", ("isolation",)),
    ("Empty estate walkway, no cameras and no one around", ("isolation",)),
    ("Waiting for the night bus at the stop is scary", ("transport",)),
    ("The tube platform feels unsafe late on", ("transport",)),
    ("Unlicensed cabs touting outside the club", ("transport",)),
    ("The walk from the station exit worries me", ("transport",)),
    ("A man stared at me the whole way on the bus", ("harassment", "transport")),
    ("Dark bus stop with no lights next to an alley", ("lighting", "transport")),
    ("Pitch black canal path and nobody ever about", ("lighting", "isolation")),
    ("Lovely walk, thank you to the officers", ()),
    ("Dog fouling on the pavement is disgusting", ()),
    ("Please fix the potholes on the high road", ()),
    ("Great scheme, would come again", ()),
    ("Fly-tipping behind the garages again", ()),
]


def tiny_corpus() -> tuple[list[str], np.ndarray]:
    """Texts and their label matrix (columns in THEMES order)."""
    texts = [text for text, _ in TINY]
    labels = np.array([[theme in themes for theme in THEMES] for _, themes in TINY], dtype=int)
    return texts, labels
