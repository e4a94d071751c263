from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nlp.cues import build_lexicon, merge_spans
from nlp.taxonomy import Taxonomy


def test_spans_point_at_the_cue_words(taxonomy: Taxonomy) -> None:
    lexicon = build_lexicon(taxonomy)
    text = "Waiting for the N29, the bus stop is pitch black and a man followed me."
    found = {
        theme: [text[a:b] for a, b in spans]
        for theme, spans in lexicon.evidence(text, ["lighting", "harassment", "transport"]).items()
    }
    assert found == {
        "lighting": ["pitch black"],
        "harassment": ["followed"],
        "transport": ["N29", "bus stop"],
    }


def test_no_cue_no_span(taxonomy: Taxonomy) -> None:
    assert build_lexicon(taxonomy).spans("Lovely walk, thanks", "lighting") == []


def test_merge_joins_overlapping_and_touching_spans() -> None:
    assert merge_spans([(5, 9), (0, 3), (3, 4), (8, 12)]) == [(0, 4), (5, 12)]


@given(st.text(max_size=300))
def test_spans_always_lie_inside_the_text(text: str) -> None:
    from nlp.resources import DEFAULT_TAXONOMY
    from nlp.taxonomy import load_taxonomy

    lexicon = build_lexicon(load_taxonomy(DEFAULT_TAXONOMY))
    for theme in ("lighting", "harassment", "isolation", "transport"):
        spans = lexicon.spans(text, theme)
        assert all(0 <= a < b <= len(text) for a, b in spans)
        assert spans == sorted(spans)
