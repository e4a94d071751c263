"""Phone numbers said rather than written, as voice-to-text and careful writers give them.

"oh seven seven double oh nine hundred one five six", "0 7 7 0 0 9 0 0 5 8 4",
"07700 nine hundred, seven seven one": a run of number words and digits,
joined by spaces, commas or hyphens, is a phone when it spells the 10 or 11
digits of a UK number (0..., +44..., or a mobile's 7... said without its 0).
Written numbers ("07700 900123") are left to the ordinary phone pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_WORDS = {word: str(i) for i, word in enumerate(_DIGITS)} | dict.fromkeys(
    ("oh", "o", "nought", "nil"), "0"
)
_SPECIAL = {"hundred": "00", "plus": "+"}
_REPEATS = {"double": 2, "triple": 3, "treble": 3}
_TOKEN = re.compile(r"[A-Za-z]+|\+?\d+")
_JOINER = re.compile(r"[ ,\-–]*")


def spoken_phones(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each phone said in words or spaced digits."""
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        if not _number_part(tokens[i].group()):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and _number_part(tokens[j + 1].group()):
            if not _JOINER.fullmatch(text, tokens[j].end(), tokens[j + 1].start()):
                break
            j += 1
        words = [t.group() for t in tokens[i : j + 1]]
        said = any(not w.lstrip("+").isdigit() for w in words) or all(len(w) == 1 for w in words)
        if said and len(words) >= 4 and _uk_number(_digits(words)):
            yield tokens[i].start(), tokens[j].end()
        i = j + 1


def _number_part(word: str) -> bool:
    low = word.lower()
    return low in _WORDS or low in _REPEATS or low in _SPECIAL or word.lstrip("+").isdigit()


def _digits(words: list[str]) -> str:
    """ "oh seven double oh" -> "0700"; "hundred" is "00", "plus" is "+"."""
    out, repeat = [], 1
    for word in words:
        low = word.lower()
        if low in _REPEATS:
            repeat = _REPEATS[low]
            continue
        digit = _SPECIAL.get(low) or _WORDS.get(low, word)
        out.append(digit * repeat if len(digit) == 1 else digit)
        repeat = 1
    return "".join(out)


def _uk_number(number: str) -> bool:
    if number.startswith("+44"):
        number = "0" + number[3:]
    elif number.startswith("44") and len(number) == 12:
        number = "0" + number[2:]
    elif number.startswith("7") and len(number) == 10:
        number = "0" + number  # a mobile said without its 0
    return number.startswith("0") and number.isdigit() and 10 <= len(number) <= 11
