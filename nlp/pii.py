"""Find personal data in a note, so it can be redacted before it is stored.

Types: PERSON, PHONE, EMAIL, POSTCODE, VEHICLE_REG, and any a deployment adds
(`PiiDetector(extra=[...])`, each a function from text to spans).

- PHONE, EMAIL, POSTCODE and VEHICLE_REG are found by patterns written for UK
  formats (+44 and 0-prefixed phones, spaced, hyphenated or not, or said in
  words (nlp/spoken_phones.py); full postcodes; current, prefix and suffix
  number plates; lower case too).
- PERSON combines the spaCy pipeline's PERSON entities (from a recogniser
  fine-tuned on notes by default, training/person_ner.py) with context rules (a
  capitalised name after "pt", "Mr", "my daughter", a sign-off...), then drops
  what is a place (a station or borough in the gazetteer, a name ending in Road,
  Lane, Park...), an abbreviation, or an officer (rank + name, collar numbers are
  not personal data here).

The detector never logs the text it reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.gazetteer import Gazetteer
from nlp.spoken_phones import spoken_phones

if TYPE_CHECKING:  # spaCy is loaded only with a pipeline
    from spacy.language import Language
    from spacy.tokens import Doc

PII_TYPES = ("PERSON", "PHONE", "EMAIL", "POSTCODE", "VEHICLE_REG")


@dataclass(frozen=True, order=True)
class PiiSpan:
    """Characters [start, end) of the text hold personal data of type `label`."""

    start: int
    end: int
    label: str


Detector = Callable[[str], Iterable[PiiSpan]]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
# Written out so that it is not a link: "jo dot bloggs at example dot com".
_SPOKEN_EMAIL = re.compile(
    r"(?<![\w.+-])[\w+-]+(?:(?:\.| dot )[\w+-]+)* at [\w-]+(?:(?:\.| dot )[\w-]+)*"
    r"(?:\.| dot )(?:com|org|net|uk|ie|edu|io|gov)(?![\w-])",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+44 ?(?:\(0\) ?)?\d{2,4}|\(0\d{2,4}\)|0\d{2,4})[ -]?\d{3,4}[ -]?\d{3,4}(?![\w])"
)
_POSTCODE = re.compile(r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}\b")
# In lower case (text-speak: "n5 1bu") only with its space, and never an ordinal ("a1 2nd").
_POSTCODE_LOWER = re.compile(
    r"\b(?:[a-pr-uwyz][a-hk-y]?\d[a-z\d]?) (?!\d(?:st|nd|rd|th)\b)\d[abd-hjlnp-uw-z]{2}\b"
)
_PLATES = re.compile(
    r"\b(?:[A-Z]{2}\d{2} ?[A-Z]{3}|[A-HJ-NP-Y]\d{1,3} ?[A-Z]{3}|[A-Z]{3} ?\d{1,3}[A-HJ-NP-Y])\b"
)
# A current-format plate in lower case ("lk19xrt"): two letters, two digits, three letters.
_PLATE_LOWER = re.compile(r"\b[a-z]{2}\d{2} ?[a-z]{3}\b")
# Three-letter groups that are abbreviations in officers' notes, not plates ("A406 ASB").
_NOT_PLATE_LETTERS = {
    "ASB",
    "SNT",
    "BTP",
    "LAS",
    "NFA",
    "CAD",
    "TFL",
    "PCS",
    "CCT",
    "APS",
    "RTC",
    "DLR",
    "LFB",
}


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def find_emails(text: str) -> Iterable[PiiSpan]:
    for pattern in (_EMAIL, _SPOKEN_EMAIL):
        yield from (PiiSpan(m.start(), m.end(), "EMAIL") for m in pattern.finditer(text))


def find_phones(text: str) -> Iterable[PiiSpan]:
    for match in _PHONE.finditer(text):
        value = match.group(0)
        national = _digits(value) - (2 if value.startswith("+44") else 0)
        national -= 1 if "(0)" in value else 0
        if value.startswith("+44"):
            national += 1  # count as if written with the leading 0
        if 10 <= national <= 11:
            yield PiiSpan(match.start(), match.end(), "PHONE")


def find_postcodes(text: str) -> Iterable[PiiSpan]:
    for pattern in (_POSTCODE, _POSTCODE_LOWER):
        yield from (PiiSpan(m.start(), m.end(), "POSTCODE") for m in pattern.finditer(text))


def find_plates(text: str) -> Iterable[PiiSpan]:
    for match in [*_PLATES.finditer(text), *_PLATE_LOWER.finditer(text)]:
        letters = "".join(ch for ch in match.group(0) if ch.isalpha()).upper()
        if letters[-3:] in _NOT_PLATE_LETTERS or letters[:3] in _NOT_PLATE_LETTERS:
            continue
        yield PiiSpan(match.start(), match.end(), "VEHICLE_REG")


def find_spoken_phones(text: str) -> Iterable[PiiSpan]:
    return (PiiSpan(start, end, "PHONE") for start, end in spoken_phones(text))


PATTERN_DETECTORS: tuple[Detector, ...] = (
    find_emails,
    find_phones,
    find_spoken_phones,
    find_postcodes,
    find_plates,
)


_RANKS = {
    "pc",
    "ps",
    "dc",
    "ds",
    "sgt",
    "insp",
    "inspector",
    "pcso",
    "supt",
    "officer",
    "sergeant",
    "constable",
    "di",
    "dci",
    "det",
    "chief",
    "acting",
    "t/ps",
    "t/insp",
    "a/ps",
}
_TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "pt",
    "pts",
    "ptn",
    "ptns",
    "pt:",
    "witness",
    "witness:",
    "victim",
    "suspect",
}
# Capitalised abbreviations that can sit next to a name-cased word in notes.
_ABBREVIATIONS = {"CCTV", "ASB", "TFL", "SNT", "NFA", "CAD", "PCSO", "DLR", "LFB", "RTC", "BTP"}
_PLACE_WORDS = {
    "road",
    "rd",
    "street",
    "st",
    "lane",
    "ln",
    "avenue",
    "ave",
    "park",
    "pk",
    "hill",
    "common",
    "green",
    "square",
    "sq",
    "way",
    "terrace",
    "terr",
    "rec",
    "broadway",
    "close",
    "gardens",
    "gdns",
    "estate",
    "cemetery",
    "rise",
    "place",
    "pl",
    "row",
    "walk",
    "crescent",
    "grove",
    "bridge",
    "wharf",
    "market",
    "court",
    "ct",
    "parade",
    "station",
    "stn",
    "junction",
    "centre",
    "center",
    "house",
    "hall",
    "school",
    "college",
    "church",
    "library",
    "towpath",
    "canal",
    "river",
    "heath",
    "fields",
    "marshes",
    "wood",
    "woods",
    "forest",
    "reservoir",
    "basin",
    "lock",
    "gate",
    "end",
    "cross",
    "circus",
    "embankment",
    "mews",
    "yard",
    "drive",
    "line",
    "trams",
    "overground",
    "underground",
    "council",
    "police",
    "team",
    "partnership",
    "enforcement",
    "cres",
    "mkt",
    "approach",
    "trail",
    "brook",
    "riverside",
    "wick",
    "water",
    "valley",
    "quarter",
    "plaza",
    "clock",
    "fair",
    "beeches",
    "corner",
    "scrubs",
    "helier",
    "mall",
    "arcade",
    "pier",
    "quay",
    "docks",
    "dock",
    "village",
    "town",
    "city",
    "north",
    "south",
    "east",
    "west",
    "schools",
    "ref",
    "hospital",
    "shops",
    "club",
    "pub",
    "lido",
    "pool",
    "gym",
    "playground",
    "allotments",
    "meadow",
    "meadows",
    "promenade",
    "landing",
    "landings",
}
_PLACE_FIRST_WORDS = {
    "st",
    "saint",
    "old",
    "new",
    "upper",
    "lower",
    "great",
    "little",
    "north",
    "south",
    "east",
    "west",
    "mount",
    "fort",
    "port",
    "lake",
    "river",
}
_NOT_NAMES = {
    "pt",
    "pts",
    "ptn",
    "ptns",
    "reg",
    "email",
    "admin",
    "driver",
    "lamps",
    "queue",
    "walked",
    "debrief",
    "tfl",
    "snt",
    "asb",
    "cctv",
    "ap",
    "nfa",
    "stn",
    "ref",
    "re",
    "hi",
    "thanks",
    "regards",
    "callback",
    "note",
    "notes",
    "lol",
    "omg",
    "ok",
}
_RELATIONS = (
    "friend|friends|daughter|son|sister|sisters|brother|mum|mother|dad|father|neighbour|colleague|"
    "partner|husband|wife|niece|nephew|granddaughter|grandson|housemate|aunt|cousin|flatmate|"
    "girlfriend|boyfriend|manager|carer|child|kid|mate|boy|girl|man|woman|lad|student|"
    "nan|nana|nanna|gran|granny|grandma|grandad|grandmother|grandfather|uncle|auntie|mom|"
    "stepdad|stepmum|stepson|stepdaughter|ex"
)
# "sister" or, starting a sentence, "Sister Min-ji"
_RELATIONS_ANY_CASE = "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}" for w in _RELATIONS.split("|"))
# Letters beyond ASCII: names are written in Polish, Turkish, Vietnamese, Irish...
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĶĹĻĽĿŁŃŅŇŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽƠƯ"
_LOW = "a-zß-öø-ÿāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįıķĺļľŀłńņňōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷźżžơưạ-ỹ"
_PART = rf"[{_UP}][{_LOW}'’]+"
# Jo, Ana-Maria, Hye-won, McLeod, O'Brien, Ngọc
_WORD = rf"(?:Ma?c|O['’])?{_PART}(?:-[{_UP}]?[{_LOW}'’]+)?"
_CAPS = rf"(?:Ma?c|O['’])?[{_UP}]{{2,}}(?:['’-][{_UP}]+)?"  # as officers write it: HOLT, McLEOD
_INITIAL = rf"[{_UP}]\.?"
_END = r"(?![\w'’-])"
# A name: "Jo", "Jo Pryce", "K. Walsh", "Marcus HOLT", "R. ADEYEMI", "ADEYEMI, Rukayat",
# "Fatima Zahra Benali" (up to three words).
_NAME = (
    rf"((?:{_INITIAL} )?{_WORD}(?: (?:{_WORD}|{_CAPS})){{0,2}}{_END}"
    rf"|{_INITIAL} {_CAPS}{_END}|{_CAPS}, {_WORD}(?: {_WORD}){{0,2}}{_END}"
    rf"|{_CAPS}(?: {_WORD}){{1,2}}{_END})"  # family name first, as written: "VO Thi Mai"
)
_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?"  # "pt Mrs I. WÓJCIK", "call to Mr B. O'Sullivan"
# Strong contexts: what follows is a person's name however unusual it is.
_STRONG = re.compile(
    r"(?:\b(?:[Pp]tn?s?:?|(?:Mr|Mrs|Ms|Miss|Dr)\.?|[Vv]ictim|[Ss]uspect|named|called|"
    rf"(?:(?:[Mm]y|[Hh]er|[Oo]ur|[Hh]is|[Tt]heir|[Tt]his|[Tt]wo) )?(?:{_RELATIONS_ANY_CASE}),?|"
    r"[Mm]y name is|[Ee]mail from|[Cc]all(?:-| )?(?:back )?(?:from|to)|[Tt]ext from|[Mm]essage from|"
    r"[Ss]poke (?:to|with)|(?:[Rr]egards|[Ff]aithfully|[Ss]incerely|[Yy]ours),|[Ww]itness(?:es)?:?|"
    rf"[Pp]articipants?:?|[Rr]esident|[Cc]llr|[Vv]olunteer|[Ww]orker)\s+{_TITLE}"
    r"|\b(?:known as|goes by|aka|a\.k\.a\.|nicknamed|calls (?:him|her|them)self)\s+['‘\"“]?"
    r"|(?<=[A-Za-z]) \(['‘\"“]"
    rf"|\((?=[A-Z][a-z]+, \d)){_NAME}"
    # a sign-off at the very end: "- Bex x", "Thanks, Marta", "Cheers Tom!"
    rf"|(?:(?:^|\s)[-–—]|\b(?:[Tt]hanks|[Tt]hx|[Cc]heers|[Ll]ove|[Bb]est|[Tt]a),?)\s*{_NAME}\s*x*\s*[.!]*\s*$"
    # or a name alone after the last sentence, without a full stop ("... feet. Amira x"),
    # perhaps with a word in brackets ("... got off. Soo-ah (please don't use my name)")
    rf"|(?:(?<=[.!?])|(?<=\n))\s*{_NAME}(?:\s*x+)?(?:\s*\([^()\n]{{0,60}}\))?\s*$"
    # a full name saying something: "Shireen Okafor said"
    rf"|\b({_WORD} (?:{_WORD}|{_CAPS}))(?=(?:, \d{{1,3}},)? "
    r"(?:said|says|told|reported|reports|stated|states|explained)\b)"
    rf"|(?<![\w.])({_INITIAL} {_CAPS})(?![\w'’-])"
)
# Weak contexts: a name only if its first word is a known given name.
_WEAK = re.compile(
    r"(?:\b(?:I'?m|I am|[Ii]t'?s|[Tt]his is|[Ww]ith|[Mm]e and|[Tt]hanks|[Cc]heers|[Ll]ove|[Gg]etting),?\s+"
    rf"|^ ?- ?|(?<=[.!?]) - ){_NAME}"
    rf"|{_NAME}(?= here\b| and I\b| says\b| said\b)"
)
_NOT_NAMES |= {
    "i",
    "im",
    "it",
    "its",
    "this",
    "that",
    "there",
    "we",
    "you",
    "he",
    "she",
    "they",
    "worried",
    "scared",
    "sorry",
    "not",
    "no",
    "yes",
    "just",
    "still",
    "also",
    "really",
    "police",
    "officer",
    "officers",
    "team",
    "everyone",
    "anyone",
    "nobody",
    "someone",
    "person",
    "phone",
    "email",
    "postcode",
    "vehicle_reg",
    "support",
    "i'm",
    "i’m",
    "i'd",
    "i’d",
    "i'll",
    "i've",
    *["mon", "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri", "sat", "sun"],
    *["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
}


# Every capitalised word ("Flatmate Georgia" yields both), and the capitalised word
# after one, taken as its surname.
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][a-zà-ÿ'’-]+")
_SURNAME_AFTER = re.compile(r" [A-Z][a-zà-ÿ'’-]+")
# A quoted nickname after "known (to her / locally / only) as", "called", "goes by":
# "known only as 'Skinny'", "called 'Stevie'", "known to her as 'Rasta Dave'".
_NICKNAME = re.compile(
    r"\b(?:known|knows?|called|named|nicknamed|goes by|aka|a\.k\.a\.)\b(?:[^'‘\"“.\n]{0,30}?\bas)?\s+"
    rf"['‘\"“]((?!The\b)[{_UP}][^'’\"”\n]{{0,24}})['’\"”]"
)
# A name owning contact details or a relation: "Siobhan's mob", "Rokeya's number".
_POSSESSOR = re.compile(
    rf"(?<![\w'’-])({_WORD})['’]s (?:mob|mobile|number|no\b|phone|email|ex\b|ex-|partner|"
    r"boyfriend|girlfriend|husband|wife|mum|mother|dad|father|sister|brother|daughter|son|"
    r"nan|friend|flat|house|address|car)"
)
# A record written surname first at the start of a note or sentence: "OYELARAN, Funmilayo".
_SURNAME_FIRST = re.compile(
    rf"(?:^|(?<=[.!?\n]) ?)({_CAPS}, {_WORD}(?: {_WORD}){{0,2}}){_END}", re.MULTILINE
)
# Text-speak: lower-case names, only when they are known given names: "me n jess",
# "me and tash n kayleigh", a sign-off "... lol. leanne x".
_LOWER_FRIENDS = re.compile(r"\b[Mm]e (?:n|and|an|&) ([a-z]+)(?:,? (?:n|and|&) ([a-z]+))?\b")
_LOWER_SIGN_OFF = re.compile(r"(?:^|[.!?,\n]|\s[-–—])\s*([a-z]+)\s*(?:x+)?\s*[.!]*\s*$")
# Given names that are also everyday words: never taken from lower-case text.
_WORDLIKE_NAMES = {
    *["will", "may", "mark", "bill", "grace", "joy", "hope", "faith", "rose", "summer"],
    *["april", "june", "sky", "dawn", "ray", "pat", "sue", "art", "rich", "bob", "sunny"],
    *["frank", "guy", "jack", "mo", "lee", "an", "al", "van", "ben", "don", "ed", "jay"],
}


def _looks_like_place_or_abbreviation(text: str, source: str = "strong") -> bool:
    """Whether a candidate is a place, an abbreviation or not name-shaped at all.

    Names are capitalised ("Hye-won" counts: only its first part need be), except
    known given names in text-speak (`source` "lower"); a quoted nickname may be
    short capitals ("JJ"). A name from the recogniser tuned on notes (`source`
    "tuned") is judged on its place words and characters only: it learnt the
    rest (lower-case names, capitals, letters with accents) from labelled notes.
    """
    words = text.replace("-", " ").replace(",", " ").split()
    if source == "tuned":
        return _looks_like_place(text, words)
    if not words or any(not (ch.isalpha() or ch in " '’-.,") for ch in text):
        return True  # names are letters, spaces, apostrophes, hyphens, dots and a comma only
    surname_in_capitals = len(words) > 1 and words[-1].isupper()  # "Hyun-jin PARK"
    if (words[-1].lower().strip(".") in _PLACE_WORDS and not surname_in_capitals) or words[
        0
    ].lower().strip(".") in _PLACE_FIRST_WORDS:
        return True
    spaced = text.replace(",", " ").split()
    if source != "lower" and any(not w[0].isupper() for w in spaced):
        return True
    if words[0].lower().strip(".") in _RANKS:
        return True
    initials = {w for w in words if len(w) == 2 and w.endswith(".")}  # "I." is not "I"
    if any(w.lower().strip(".,") in _NOT_NAMES | _TITLES for w in words if w not in initials):
        return True
    if any(w.upper() in _ABBREVIATIONS for w in words):
        return True
    # A short word in capitals is an abbreviation (SNT, ASB), unless it sits beside a
    # name-cased word or an initial, as officers write surnames ("Marcus HOLT", "R. LEE").
    capitals = [w for w in words if len(w) <= 4 and sum(ch.isupper() for ch in w) >= 2]
    return source != "nickname" and bool(capitals) and len(capitals) == len(words)


def _looks_like_place(text: str, words: list[str]) -> bool:
    """A place or rank by its words, or something with digits or symbols in it."""
    if not words or any(ch.isdigit() or ch in "@/#&()[]{}<>|=+*_:;!?" for ch in text):
        return True
    surname_in_capitals = len(words) > 1 and words[-1].isupper()
    last, first = words[-1].lower().strip("."), words[0].lower().strip(".")
    if last in _PLACE_WORDS and not surname_in_capitals:
        return True
    if all(w.lower().strip(".") in _NOT_NAMES | _TITLES for w in words):
        return True  # "Tues", "Pt"
    return first in _PLACE_FIRST_WORDS or first in _RANKS


def _trim_titles(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading 'Pt', 'Mr'..., anything after ' - ', and trailing punctuation."""
    dash = text.find(" - ", start, end)
    if dash != -1:
        end = dash
    while True:
        first = text[start:end].split(" ", 1)
        if len(first) == 2 and first[0].lower().strip(".") in _TITLES:
            start += len(first[0]) + 1
            continue
        break
    for suffix in ("'s", "’s"):
        if text.endswith(suffix, start, end):
            end -= len(suffix)
    while end > start and text[end - 1] in ".,;:'’":
        end -= 1
    return start, end


_PLACE_PREPOSITIONS = {
    "in",
    "to",
    "from",
    "towards",
    "twds",
    "on",
    "at",
    "nr",
    "near",
    "via",
    "behind",
    "past",
    "by",
    "into",
    "along",
    "outside",
    "o/s",
    "around",
    "through",
}


def person_spans(
    text: str,
    doc: Doc | None,
    places: Sequence[tuple[int, int]],
    given_names: frozenset[str] = frozenset(),
    *,
    trust_entities: bool = False,
) -> list[PiiSpan]:
    """PERSON spans from context rules and the pipeline's entities, minus places and officers.

    A name in a strong context ("pt Aisha", "my sister Jo", "Regards, Ann") is
    kept whatever it is. In a weak context ("I'm Jo", "Jo here"), or found only by
    the pipeline, it must start with a known given name, or (pipeline only) look
    like a full name of two or more words not after a place preposition, unless
    `trust_entities` (a recogniser fine-tuned on notes, training/person_ner.py),
    when its names are kept as they are. Any capitalised word that is a known
    given name (with a capitalised word after it, as a surname) is a candidate
    too. Without a pipeline (`doc` None) only context rules and the given names
    are used. Places and officers by rank are never names.
    """
    candidates = [
        (m.start(g), m.end(g), "strong")
        for m in _STRONG.finditer(text)
        for g in range(1, 5)
        if m.group(g)
    ]
    candidates += [
        (m.start(g), m.end(g), "weak") for m in _WEAK.finditer(text) for g in (1, 2) if m.group(g)
    ]
    if doc is not None:
        found_by = "tuned" if trust_entities else "entity"
        candidates += [
            (e.start_char, e.end_char, found_by) for e in doc.ents if e.label_ == "PERSON"
        ]
    candidates += [(m.start(1), m.end(1), "nickname") for m in _NICKNAME.finditer(text)]
    candidates += [
        (m.start(1), m.end(1), "strong")
        for pattern in (_POSSESSOR, _SURNAME_FIRST)
        for m in pattern.finditer(text)
    ]
    if given_names:
        candidates += _known_given_names(text, given_names)
        candidates += _lower_case_names(text, given_names)
    spans: list[PiiSpan] = []
    for start, end, source in candidates:
        start, end = _trim_titles(text, start, end)
        value = text[start:end]
        if end <= start or _looks_like_place_or_abbreviation(value, source):
            continue
        if any(a < end and start < b for a, b in places):
            continue
        before = [w.lower().strip(".,") for w in text[:start].split()[-2:]]
        if (before and before[-1] in _RANKS | {"the"}) or before == ["ask", "for"]:
            continue
        if len(before) == 2 and before[0] in _RANKS and any(ch.isdigit() for ch in before[1]):
            continue  # an officer by rank and collar number: "PC 6612 Gordon"
        known = value.split()[0].lower() in given_names
        if source == "weak" and not known:
            continue
        after_preposition = bool(before) and before[-1] in _PLACE_PREPOSITIONS
        doubtful = after_preposition or not (known or len(value.split()) >= 2)
        if source == "entity" and doubtful:
            continue
        spans.append(PiiSpan(start, end, "PERSON"))
    return spans


_SAINTLY = {"st", "saint", "ste"}
_POSSESSIVE_PLACE = re.compile(r"['’]s [A-Z]")


def _known_given_names(text: str, given_names: frozenset[str]) -> list[tuple[int, int, str]]:
    """Capitalised known given names (with a capitalised word after, as a surname)."""
    found = []
    for m in _CAPITALISED.finditer(text):
        if _bare(m.group()) not in given_names or _in_place_name(text, m.start(), m.end()):
            continue
        surname = _SURNAME_AFTER.match(text, m.end())
        found.append((m.start(), surname.end() if surname else m.end(), "lexicon"))
    return found


def _in_place_name(text: str, start: int, end: int) -> bool:
    """A given name inside a place's name: "St Mary's", "High St Ken", "Adam's Pond"."""
    before = text[max(0, start - 8) : start].split()
    if before and before[-1].lower().strip(".") in _SAINTLY:
        return True
    return bool(_POSSESSIVE_PLACE.match(text, end - 2))


def _bare(word: str) -> str:
    """A word without a possessive 's, lower-cased: "Siobhan's" -> "siobhan"."""
    return word.lower().removesuffix("'s").removesuffix("’s")


def _lower_case_names(text: str, given_names: frozenset[str]) -> list[tuple[int, int, str]]:
    """Known given names written in lower case, in the two places text-speak puts them."""
    found = []
    tail = max(0, len(text) - 60)  # a sign-off is at the very end: search only there
    matches = [*_LOWER_FRIENDS.finditer(text), *_LOWER_SIGN_OFF.finditer(text, tail)]
    for m in matches:
        for g in range(1, (m.lastindex or 0) + 1):
            word = m.group(g)
            if word and word in given_names and word not in _WORDLIKE_NAMES:
                found.append((m.start(g), m.end(g), "lower"))
    return found


def load_given_names(path: Path) -> frozenset[str]:
    """Lower-cased given names, one per line; an absent file means none."""
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


class PiiDetector:
    """Patterns, the spaCy pipeline and the gazetteer, together; extra detectors plug in."""

    def __init__(
        self,
        nlp: Language | None,
        gazetteer: Gazetteer,
        *,
        given_names: frozenset[str] = frozenset(),
        extra: Sequence[Detector] = (),
        trust_entities: bool = False,
    ) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.given_names = given_names
        self.trust_entities = trust_entities  # the pipeline's recogniser was tuned on notes
        self.detectors = (*PATTERN_DETECTORS, *extra)

    def detect_many(
        self, texts: Sequence[str], docs: Sequence[Doc | None] | None = None
    ) -> list[list[PiiSpan]]:
        """Non-overlapping PII spans per text, in order; patterns win over PERSON.

        `docs` are the pipeline's docs of the texts when the caller already has them.
        """
        if docs is None:
            docs = self.parse(texts)
        results = []
        for text, doc in zip(texts, docs, strict=True):
            found = [span for detect in self.detectors for span in detect(text)]
            places = [(p.start, p.end) for p in self.gazetteer.find(text)]
            people = person_spans(
                text, doc, places, self.given_names, trust_entities=self.trust_entities
            )
            found += [s for s in people if not _overlaps(s, found)]
            results.append(resolve_overlaps(found))
        return results

    def parse(self, texts: Sequence[str]) -> list[Doc | None]:
        """The pipeline's docs of the texts (None each when no pipeline is loaded)."""
        if self.nlp is None:
            return [None] * len(texts)
        return list(self.nlp.pipe(texts, batch_size=64))

    def detect(self, text: str) -> list[PiiSpan]:
        return self.detect_many([text])[0]


def _overlaps(span: PiiSpan, others: Sequence[PiiSpan]) -> bool:
    return any(o.start < span.end and span.start < o.end for o in others)


def resolve_overlaps(spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """Keep the earliest-starting, then longest, span of any overlapping group."""
    kept: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept
