"""Parks, streets, estates and waterways: resolution, inference, case, redaction, spans."""

from __future__ import annotations

import pytest
import spacy
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Span

from nlp.areas import Areas
from nlp.gazetteer import Gazetteer, PlaceMention, load_gazetteer, short_forms
from nlp.pii import PiiDetector
from nlp.place_ner import entity_places, find_places
from nlp.places import all_places, infer_area
from nlp.redact import Redactor
from nlp.resources import DEFAULT_DISTRICTS, DEFAULT_PARKS, DEFAULT_STATIONS, DEFAULT_STREETS


@pytest.fixture(scope="module")
def gazetteer(areas: Areas) -> Gazetteer:
    return load_gazetteer(
        DEFAULT_STATIONS,
        areas,
        districts_path=DEFAULT_DISTRICTS,
        parks_path=DEFAULT_PARKS,
        streets_path=DEFAULT_STREETS,
    )


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    return [(m.name, m.kind, m.borough, m.boroughs) for m in gazetteer.find(text)]


def test_a_road_through_several_boroughs_lists_them_and_has_no_single_borough(
    gazetteer: Gazetteer,
) -> None:
    assert found(gazetteer, "Walked Green Lanes") == [
        ("Green Lanes", "street", None, ("Islington", "Hackney", "Haringey", "Enfield"))
    ]
    assert found(gazetteer, "Mare St") == [("Mare Street", "street", "Hackney", ("Hackney",))]
    # Two different roads of one name: both boroughs, so the name alone settles nothing.
    assert found(gazetteer, "Lordship Lane")[0][3] == ("Haringey", "Southwark")


def test_short_forms_and_lower_case_streets_and_parks_match(gazetteer: Gazetteer) -> None:
    text = "walked up kingsland rd to Clissold Pk, then tooting bec common"
    assert [m[0] for m in found(gazetteer, text)] == [
        "Kingsland Road",
        "Clissold Park",
        "Tooting Common",
    ]
    assert [m[0] for m in found(gazetteer, "past hackney marshes and finsbury park")] == [
        "Hackney Marshes",
        "Finsbury Park",
    ]


def test_everyday_words_and_lower_case_stations_do_not_match(gazetteer: Gazetteer) -> None:
    text = "a narrow street, the cut by the canal, the bank, the lower marsh path, angel"
    assert found(gazetteer, text) == []
    assert [m[0] for m in found(gazetteer, "along the Cut")] == ["The Cut"]


def test_longer_names_win_over_the_place_inside_them(gazetteer: Gazetteer) -> None:
    text = "City of London Cemetery, Lambeth Cemetery and Regent's Park Road"
    assert [(m[0], m[3]) for m in found(gazetteer, text)] == [
        ("City of London Cemetery", ("Newham",)),
        ("Lambeth Cemetery", ("Wandsworth",)),
        ("Regent's Park Road", ("Camden", "Barnet")),
    ]


def test_spaces_and_line_breaks_inside_a_name_still_match(gazetteer: Gazetteer) -> None:
    text = "from Kingsland \n Road to  Clissold   Park"
    spans = [(m.start, m.end) for m in gazetteer.find(text)]
    assert [text[s:e] for s, e in spans] == ["Kingsland \n Road", "Clissold   Park"]


def test_short_forms() -> None:
    assert short_forms("Kingsland Road") == ["Kingsland Rd"]
    assert short_forms("Regent's Park") == ["Regent's Pk", "Regents Park", "Regents Pk"]


def mention(*boroughs: str) -> PlaceMention:
    single = boroughs[0] if len(boroughs) == 1 else None
    return PlaceMention(0, 1, "x", "street", single, tuple(boroughs))


def area(mentions: list[PlaceMention], areas: Areas) -> tuple[str | None, str | None] | None:
    guess = infer_area(mentions, areas)
    return None if guess is None else (guess.borough, guess.bcu)


def test_a_several_borough_place_alone_gives_its_bcu_only_when_it_has_one(areas: Areas) -> None:
    assert area([mention("Hackney", "Tower Hamlets")], areas) == (None, "Central East")
    assert area([mention("Islington", "Hackney", "Haringey")], areas) is None
    assert area([mention("City of London", "Tower Hamlets")], areas) is None


def test_a_several_borough_place_confirms_and_breaks_ties(areas: Areas) -> None:
    # Hackney and Camden named once each: a tie across BCUs, broken by a road in Hackney.
    assert area([mention("Hackney"), mention("Camden")], areas) is None
    tied = [mention("Hackney"), mention("Camden"), mention("Hackney", "Islington")]
    assert area(tied, areas) == ("Hackney", "Central East")
    # It never outvotes a named borough: Camden twice beats Hackney once plus the road.
    outvoted = [
        mention("Camden"),
        mention("Camden"),
        mention("Hackney"),
        mention("Hackney", "Islington"),
    ]
    assert area(outvoted, areas) == ("Camden", "Central North")
    # A road elsewhere neither helps nor blocks.
    assert area([mention("Croydon"), mention("Hackney", "Islington")], areas) == (
        "Croydon",
        "South",
    )


def test_several_borough_places_settle_on_what_they_share(areas: Areas) -> None:
    shared = [mention("Hackney", "Islington"), mention("Hackney", "Tower Hamlets")]
    assert area(shared, areas) == ("Hackney", "Central East")
    apart = [mention("Hackney", "Tower Hamlets"), mention("Camden", "Islington")]
    assert area(apart, areas) is None


def test_notes_resolve_through_the_new_gazetteers(gazetteer: Gazetteer, areas: Areas) -> None:
    def guess(text: str) -> tuple[str | None, str | None] | None:
        return area(all_places(text, gazetteer.find(text)), areas)

    assert guess("Walked Hoe St to Lloyd Park") == ("Waltham Forest", "North East")
    assert guess("Lloyd Park after dark") is None  # Croydon's or Walthamstow's
    assert guess("Coldharbour Ln in Hayes") == ("Hillingdon", "West")
    assert guess("Cambridge Heath Road under the bridge") == (None, "Central East")


def test_parks_and_streets_are_not_redacted(gazetteer: Gazetteer) -> None:
    redactor = Redactor(PiiDetector(None, gazetteer, given_names=frozenset({"victoria", "ann"})))
    text = (
        "Pt Ann walked Victoria Park to Lloyd Park, then Florence Road and Kingsland Rd; "
        "met at Hackney Marshes, call 07700 900123"
    )
    redacted = redactor.redact_many([text])[0]
    for name in ("Victoria Park", "Lloyd Park", "Kingsland Rd", "Hackney Marshes"):
        assert name in redacted.text
    assert "Ann" not in redacted.text
    assert "[PHONE]" in redacted.text
    for place in redacted.places:
        assert place.start < place.end <= len(redacted.text)


def test_pipeline_entities_resolve_through_the_gazetteer(gazetteer: Gazetteer) -> None:
    nlp = spacy.blank("en")
    doc = nlp("walked from brixton to the Cut, then Zorblax Plaza and a marina")
    doc.ents = [
        Span(doc, 2, 3, label="GPE"),  # brixton
        Span(doc, 4, 6, label="LOC"),  # the Cut
        Span(doc, 8, 10, label="FAC"),  # Zorblax Plaza
        Span(doc, 12, 13, label="LOC"),  # marina: lower case, unresolved, dropped
    ]
    places = entity_places(doc.text, doc, gazetteer)
    assert [(doc.text[p.start : p.end], p.name, p.kind, p.borough) for p in places] == [
        ("brixton", "Brixton", "station", "Lambeth"),
        ("Cut", "The Cut", "street", None),
        ("Zorblax Plaza", "Zorblax Plaza", "facility", None),
    ]
    merged = all_places(doc.text, gazetteer.find(doc.text), places)
    assert [p.name for p in merged] == ["Brixton", "The Cut", "Zorblax Plaza"]


def test_find_places_without_a_pipeline_uses_patterns_only(gazetteer: Gazetteer) -> None:
    [places] = find_places(["Walked Mare St to Lloyd Park"], gazetteer)
    assert [p.name for p in places] == ["Mare Street", "Lloyd Park"]


def test_the_gazetteer_files_name_real_boroughs_and_take_no_taken_name(areas: Areas) -> None:
    taken: set[str] = {b.lower() for b in areas.boroughs}
    for path, key in ((DEFAULT_STATIONS, "stations"), (DEFAULT_DISTRICTS, "districts")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))[key]:
            taken |= {str(n).lower() for n in [item["name"], *(item.get("aliases") or [])]}
    seen: set[str] = set()
    for path, key in ((DEFAULT_PARKS, "parks"), (DEFAULT_STREETS, "streets")):
        items = yaml.safe_load(path.read_text(encoding="utf-8"))[key]
        assert len(items) > 100
        for item in items:
            assert item["kind"] in {"street", "park", "estate", "waterway"}
            assert item["boroughs"]
            assert set(item["boroughs"]) <= set(areas.boroughs)
            names = [item["name"], *item["aliases"]]
            forms = {n.lower() for n in [*names, *(s for n in names for s in short_forms(n))]}
            assert not forms & taken, forms & taken
            assert not forms & seen, forms & seen
            seen |= forms


_PIECES = st.sampled_from(
    [
        "Kingsland Rd",
        "kingsland road",
        "Green Lanes",
        "Lloyd Park",
        "the Cut",
        "King's Cross",
        "Seven Sisters",
        "Hackney",
        "Park",
        "High St",
        "walked",
        "Pt Ann",
        " ",
        "  ",
        "\n",
        ",",
        "'s",
        "İ",
        "ß",
        "Ǆ",
        "-",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=12))
def test_spans_always_index_the_text_exactly(gazetteer: Gazetteer, pieces: list[str]) -> None:
    text = " ".join(pieces)
    mentions = all_places(text, gazetteer.find(text))
    ends = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= ends  # no overlaps, in order
        ends = m.end
        value = text[m.start : m.end]
        assert value == value.strip()
        entry = gazetteer.lookup(value)
        if m.kind in {"station", "district", "borough"} or m.boroughs:
            assert entry is not None
            assert entry.name == m.name
