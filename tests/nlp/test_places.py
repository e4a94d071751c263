from __future__ import annotations

from nlp.areas import Areas
from nlp.gazetteer import PlaceMention, load_gazetteer
from nlp.places import infer_area
from nlp.resources import DEFAULT_STATIONS


def mention(borough: str | None) -> PlaceMention:
    return PlaceMention(0, 1, "x", "station", borough)


def test_one_borough_or_a_clear_majority_is_inferred(areas: Areas) -> None:
    assert infer_area([mention("Hackney")], areas).borough == "Hackney"  # type: ignore[union-attr]
    guess = infer_area([mention("Hackney"), mention("Hackney"), mention("Camden")], areas)
    assert guess is not None
    assert (guess.borough, guess.bcu) == ("Hackney", "Central East")


def test_a_tie_within_one_bcu_gives_only_the_bcu(areas: Areas) -> None:
    guess = infer_area([mention("Hackney"), mention("Tower Hamlets")], areas)
    assert guess is not None
    assert (guess.borough, guess.bcu) == (None, "Central East")


def test_a_tie_across_bcus_or_no_places_gives_nothing(areas: Areas) -> None:
    assert infer_area([mention("Hackney"), mention("Camden")], areas) is None
    assert infer_area([mention(None)], areas) is None
    assert infer_area([], areas) is None


def test_gazetteer_finds_stations_aliases_and_boroughs_but_not_common_words(areas: Areas) -> None:
    gazetteer = load_gazetteer(DEFAULT_STATIONS, areas)
    text = "Met at Kings Cross, walked to Elephant & Castle in Southwark; the bank was shut"
    found = [(m.name, m.borough) for m in gazetteer.find(text)]
    assert found == [
        ("King's Cross St. Pancras", "Camden"),
        ("Elephant & Castle", "Southwark"),
        ("Southwark", "Southwark"),
    ]


def test_named_streets_parks_and_estates_are_found_but_not_resolved() -> None:
    from nlp.places import named_places

    text = "Walked Hoe St to Lloyd Park, then the Kingsmead Estate and Regent's Canal; Pt Ann said"
    found = [(m.name, m.kind, m.borough) for m in named_places(text)]
    assert found == [
        ("Hoe St", "street", None),
        ("Lloyd Park", "park", None),
        ("Kingsmead Estate", "estate", None),
        ("Regent's Canal", "waterway", None),
    ]
    for m in named_places(text):
        assert text[m.start : m.end] == m.name


def test_districts_resolve_to_their_borough(areas: Areas) -> None:
    from nlp.resources import DEFAULT_DISTRICTS

    gazetteer = load_gazetteer(DEFAULT_STATIONS, areas, districts_path=DEFAULT_DISTRICTS)
    found = [
        (m.name, m.kind, m.borough)
        for m in gazetteer.find("Walking home through Peckham to Dulwich")
    ]
    assert found == [("Peckham", "district", "Southwark"), ("Dulwich", "district", "Southwark")]
    guess = infer_area(gazetteer.find("Walking home through Peckham to Dulwich"), areas)
    assert guess is not None
    assert (guess.borough, guess.bcu) == ("Southwark", "Central South")
