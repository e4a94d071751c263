"""Shared fixtures: the real taxonomy and area table shipped with walktalk."""

from __future__ import annotations

import pytest

from nlp.areas import Areas, load_areas
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY
from nlp.taxonomy import Taxonomy, load_taxonomy


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(DEFAULT_TAXONOMY)


@pytest.fixture(scope="session")
def areas() -> Areas:
    return load_areas(DEFAULT_AREAS)
