from __future__ import annotations

from nlp.areas import Areas


def test_all_32_boroughs_and_the_city_are_known(areas: Areas) -> None:
    assert len(areas.boroughs) == 33
    assert areas.bcu_of("City of London") is None


def test_there_are_twelve_bcus_each_grouping_boroughs(areas: Areas) -> None:
    assert len(areas.bcus) == 12
    in_bcus = [b for b in areas.boroughs if areas.bcu_of(b) is not None]
    assert len(in_bcus) == 32


def test_borough_maps_to_its_bcu(areas: Areas) -> None:
    assert areas.bcu_of("Camden") == "Central North"
    assert areas.bcu_of("Lambeth") == "Central South"
    assert areas.bcu_of("Richmond upon Thames") == "South West"
