"""Normalise a note's text before anything else reads it.

Notes arrive from phones, forms and copy-paste: composed and decomposed
accents, non-breaking and zero-width spaces, curly quotes, tabs, runs of blank
lines, control characters. Normalising first means the detector, the gazetteer
and the classifier all see one spelling, and the stored text (which offsets
refer to) is the normalised one.

What changes: Unicode NFC composition; zero-width characters and control
characters (other than newline) removed; every other whitespace character
becomes a plain space; runs of spaces collapse to one; spaces around newlines and
more than two newlines in a row are trimmed; leading and trailing whitespace
removed. Wording, case, punctuation and abbreviations are left as written:
officers' shorthand (nr, pt, o/s, 2130hrs) is what the models learned from.
Normalising twice changes nothing (a property test holds it to that).
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"[^\S\n]+")
_AROUND_NEWLINE = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """The note's text in one canonical form (see the module docstring)."""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = _SPACES.sub(" ", text)
    text = _AROUND_NEWLINE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return unicodedata.normalize("NFC", text.strip())
