from __future__ import annotations

from pathlib import Path

import pytest

from nlp.errors import TaxonomyError
from nlp.taxonomy import Taxonomy, load_taxonomy


def test_default_taxonomy_has_the_four_client_themes(taxonomy: Taxonomy) -> None:
    assert taxonomy.names == ("lighting", "harassment", "isolation", "transport")
    assert taxonomy.version >= 1
    assert all(theme.description and theme.examples for theme in taxonomy.themes)


def test_unknown_lists_names_outside_the_taxonomy(taxonomy: Taxonomy) -> None:
    assert taxonomy.unknown(["lighting", "litter", "Transport"]) == ["litter", "Transport"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("themes: [", "not valid YAML"),
        ("version: 1\n", "'themes' list"),
        ("version: 0\nthemes: []\n", "integer 'version'"),
        ("version: 1\nthemes:\n  - name: Bad Name\n    description: x\n", "lower-case"),
        ("version: 1\nthemes:\n  - name: a\n", "needs a description"),
        (
            "version: 1\nthemes:\n  - {name: a, description: x}\n  - {name: a, description: y}\n",
            "each name once",
        ),
    ],
)
def test_broken_taxonomy_says_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)


def test_missing_taxonomy_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="No taxonomy file"):
        load_taxonomy(tmp_path / "nope.yaml")
