"""Spelling noise for training: people type fast, on phones, in text-speak.

A fine-tuned subword model learns "deserted" and "broken" from clean notes and
can lose a theme when the word arrives as "desrted" or "brokn". During
fine-tuning each note is, with a small probability per epoch, seen with such
noise instead: a letter dropped, doubled, swapped with its neighbour or hit on
the next key, or everyday text-speak for common words. The labels never change:
the codebook does not care how a concern is spelled. The noise is drawn from the
training run's seeded generator, so runs stay deterministic.

The word list is ours, from common usage; the behavioural suite's invariance
tests check typos and text-speak too, so its pass rates on those capabilities
measure this augmentation as much as the data (the README says so).
"""

from __future__ import annotations

import random
import re

TEXT_SPEAK = {
    "you": ("u", "ya"),
    "your": ("ur", "yr"),
    "are": ("r",),
    "the": ("da", "tha", "teh"),
    "really": ("rly", "realy", "rlly"),
    "people": ("ppl",),
    "nobody": ("no1", "nobdy", "noone"),
    "no one": ("noone", "no1"),
    "someone": ("some1", "sum1"),
    "because": ("cos", "bc", "cuz"),
    "night": ("nite",),
    "tonight": ("2nite", "tonite"),
    "to": ("2",),
    "for": ("4",),
    "and": ("&", "n"),
    "with": ("wiv", "w"),
    "please": ("pls", "plz"),
    "don't": ("dont",),
    "there's": ("theres",),
    "isn't": ("isnt",),
    "at all": ("atall",),
    "though": ("tho",),
    "what": ("wat",),
    "going to": ("gonna",),
}
SPEAK = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, TEXT_SPEAK), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"
LONG_WORD = re.compile(r"[A-Za-z]{4,}")


def noisy(text: str, rng: random.Random) -> str:
    """The text with one kind of noise: a typo or two, or text-speak."""
    if rng.random() < 0.5:
        return _text_speak(text, rng)
    for _ in range(rng.choice((1, 1, 2))):
        text = _typo(text, rng)
    return text


def _text_speak(text: str, rng: random.Random) -> str:
    def swap(match: re.Match[str]) -> str:
        options = TEXT_SPEAK[match.group(0).lower()]
        return rng.choice(options) if rng.random() < 0.7 else match.group(0)

    return SPEAK.sub(swap, text)


def _typo(text: str, rng: random.Random) -> str:
    words = list(LONG_WORD.finditer(text))
    if not words:
        return text
    word = rng.choice(words)
    i = rng.randrange(word.start() + 1, word.end() - 1)
    edit = rng.randrange(4)
    if edit == 0:  # drop a letter
        return text[:i] + text[i + 1 :]
    if edit == 1:  # double a letter
        return text[:i] + text[i] + text[i:]
    if edit == 2:  # swap with the next letter
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + _neighbour(text[i], rng) + text[i + 1 :]  # next key along


def _neighbour(char: str, rng: random.Random) -> str:
    at = KEYBOARD.find(char.lower())
    if at < 0:
        return char
    near = [KEYBOARD[j] for j in (at - 1, at + 1) if 0 <= j < len(KEYBOARD)]
    near = [c for c in near if c != " "] or [char]
    return rng.choice(near)
