from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.normalise import normalise


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  dark\u00a0 path \t by the\u200b canal  ", "dark path by the canal"),
        ("cafe\u0301 on the corner", "café on the corner"),
        ("line one \r\n\r\n\r\n\r\n line two", "line one\n\nline two"),
        ("bell\x07 rang", "bell rang"),
        ("Pt nr o/s stn 2130hrs", "Pt nr o/s stn 2130hrs"),
    ],
)
def test_examples(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


@given(st.text())
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_output_is_nfc_without_control_or_odd_spaces(text: str) -> None:
    out = normalise(text)
    assert unicodedata.is_normalized("NFC", out)
    assert all(ch == "\n" or unicodedata.category(ch)[0] != "C" for ch in out)
    assert "  " not in out
    assert out == out.strip()
