"""Behavioural tests in the manner of CheckList (Ribeiro et al., ACL 2020).

A macro-F1 on one test set hides which abilities a model lacks: it can score
well and still tag every named station as transport or miss every negation.
The suite in `data/behaviour/suite.yaml` names the capabilities the codebook
asks for and generates cases from templates for each; a model is scored on the
share of cases it passes, per capability and overall.

Three kinds of test:
- `mft` (minimum functionality): the text must get exactly the expected themes;
- `inv` (invariance): a base text and its perturbation (another name or place,
  a typo, another case, spelling, an officer's framing) must get the same themes;
- `dir` (directional): `b` is `a` with one edit that adds or removes one theme;
  that theme must flip that way and no other theme may change.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any, Literal

import yaml

from nlp.errors import DataFileError

SLOT = re.compile(r"\{(\w+)\}")
# Predicts the themes of each text (a set per text), in order.
ThemePredictor = Callable[[Sequence[str]], list[set[str]]]


@dataclass(frozen=True)
class Case:
    """One generated case: the texts it needs and what must hold between their themes."""

    capability: str
    test: Literal["mft", "inv", "dir"]
    texts: tuple[str, ...]
    themes: frozenset[str] = frozenset()
    theme: str = ""
    direction: Literal["add", "remove", ""] = ""

    def passes(self, predicted: Sequence[set[str]]) -> bool:
        if self.test == "mft":
            return predicted[0] == self.themes
        if self.test == "inv":
            return predicted[0] == predicted[1]
        before, after = (predicted[0], predicted[1])
        if self.direction == "remove":
            before, after = after, before
        return self.theme not in before and after == before | {self.theme}


@dataclass
class BehaviourReport:
    """Pass rates per capability and overall, and a few failures to read."""

    passed: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    failures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def rates(self) -> dict[str, float]:
        return {name: self.passed[name] / self.total[name] for name in self.total}

    @property
    def overall(self) -> float:
        cases = sum(self.total.values())
        return sum(self.passed.values()) / cases if cases else 0.0

    @property
    def worst_capability(self) -> tuple[str, float]:
        name = min(self.rates, key=lambda k: self.rates[k])
        return name, self.rates[name]

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": round(self.overall, 4),
            "cases": sum(self.total.values()),
            "capabilities": {
                name: {"pass_rate": round(rate, 4), "cases": self.total[name]}
                for name, rate in self.rates.items()
            },
            "failures": self.failures,
        }

    def markdown(self) -> list[str]:
        lines = [
            f"Behavioural tests: **{self.overall:.1%}** of {sum(self.total.values())} cases passed.",
            "",
            "| capability | cases | pass rate |",
            "|---|---:|---:|",
        ]
        lines += [
            f"| {name} | {self.total[name]} | {rate:.1%} |" for name, rate in self.rates.items()
        ]
        return lines


def load_suite(path: Path) -> list[Case]:
    """Every case the suite file generates, in a fixed order (seeded)."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise DataFileError(
            f"Cannot read the behavioural suite {path}: {type(err).__name__}."
        ) from err
    rng = random.Random(spec["seed"])
    slots: dict[str, list[str]] = spec["slots"]
    cases: list[Case] = []
    for capability in spec["capabilities"]:
        for template in capability["cases"]:
            cases += _cases(capability, template, slots, rng, spec["fills"])
    return cases


def run_suite(predict: ThemePredictor, cases: Sequence[Case], *, keep: int = 5) -> BehaviourReport:
    """Predict every text once (in one batch) and score each case."""
    texts = sorted({text for case in cases for text in case.texts})
    themes = dict(zip(texts, predict(texts), strict=True))
    report = BehaviourReport()
    failures: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        predicted = [themes[text] for text in case.texts]
        ok = case.passes(predicted)
        name = case.capability
        report.total[name] = report.total.get(name, 0) + 1
        report.passed[name] = report.passed.get(name, 0) + int(ok)
        if not ok and len(failures[name]) < keep:
            failures[name].append(
                {
                    "texts": list(case.texts),
                    "predicted": [sorted(p) for p in predicted],
                    "expected": _expected(case),
                }
            )
    report.failures = dict(failures)
    return report


def _expected(case: Case) -> str:
    if case.test == "mft":
        return f"exactly {sorted(case.themes)}"
    if case.test == "inv":
        return "the same themes for both"
    return f"{case.direction} {case.theme} and change nothing else"


def _cases(
    capability: dict[str, Any],
    template: Any,
    slots: dict[str, list[str]],
    rng: random.Random,
    fills: int,
) -> list[Case]:
    name, test = capability["name"], capability["test"]
    if test == "mft":
        return [
            Case(name, "mft", (text,), themes=frozenset(template["themes"]))
            for (text,) in _fill((template["text"],), slots, rng, fills)
        ]
    if test == "dir":
        return [
            Case(name, "dir", (a, b), theme=capability["theme"], direction=capability["direction"])
            for a, b in _fill((template["a"], template["b"]), slots, rng, fills)
        ]
    perturb = capability["perturb"]
    pairs = (
        _fill((template, _swap_slots(template, perturb)), slots, rng, fills)
        if "->" in perturb
        else [
            (text, PERTURBATIONS[perturb](text, rng))
            for (text,) in _fill((template,), slots, rng, fills)
        ]
    )
    return [Case(name, "inv", (a, b)) for a, b in pairs if a != b]


def _fill(
    templates: tuple[str, ...], slots: dict[str, list[str]], rng: random.Random, fills: int
) -> list[tuple[str, ...]]:
    """Up to `fills` distinct fillings of the slots the templates use (the same fill for all)."""
    names = sorted({m for t in templates for m in SLOT.findall(t)})
    options = list(product(*(slots[n] for n in names)))
    chosen = rng.sample(options, min(fills, len(options))) if names else [()]
    return [
        tuple(t.format(**dict(zip(names, values, strict=True))) for t in templates)
        for values in chosen
    ]


def _swap_slots(template: str, perturb: str) -> str:
    """ "{road} -> {other_road}; ..." applied to the template's slots."""
    for rule in perturb.split(";"):
        before, after = (part.strip() for part in rule.split("->"))
        template = template.replace(before, after)
    return template


def _typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent inner letters of one word of five letters or more."""
    words = list(re.finditer(r"[A-Za-z]{5,}", text))
    if not words:
        return text
    word = rng.choice(words)
    i = rng.randrange(word.start() + 1, word.end() - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _case(text: str, rng: random.Random) -> str:
    return text.upper() if rng.random() < 0.5 else text.lower()


_SPELLINGS = {
    "neighbourhood": "neighborhood",
    "favourite": "favorite",
    "centre": "center",
    "you": "u",
    "are": "r",
    "people": "ppl",
    "really": "rly",
    "and": "&",
    "Thank you": "thx",
    "nobody": "noone",
    "because": "cos",
    "the": "da",
}


def _spelling(text: str, rng: random.Random) -> str:
    """US spellings and text-speak for the words that have them."""
    del rng
    for before, after in _SPELLINGS.items():
        text = re.sub(rf"\b{re.escape(before)}\b", after, text)
    return text


def _officer_framing(text: str, rng: random.Random) -> str:
    """The same concern as an officer would record a participant saying it."""
    opener = rng.choice(["Pt states", "Pt reports that", "Participant said"])
    return f"{opener} {text[0].lower()}{text[1:]}"


PERTURBATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "typo": _typo,
    "case": _case,
    "spelling": _spelling,
    "source": _officer_framing,
}
