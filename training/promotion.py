"""The promotion gate: a new version may not be worse than the active one.

Both versions' cards hold their scores on the seed corpus's fixed test split,
the out-of-distribution set and the behavioural suite. A candidate is refused,
unless the caller forces it (and the activation history records that it was
forced), when on the seed test split its macro-F1 is lower by more than 1 point
or any theme's F1 by more than 3 points; when its out-of-distribution macro-F1
is lower by more than 1 point; or when its behavioural pass rate is lower by
more than 1 point. The last two are what the seed test split cannot show: a
model can gain there by learning its writers' habits and lose on everyone
else's notes. Where the active card predates a measure, that measure is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.errors import PromotionRefusedError
from models.registry import ModelRegistry

MACRO_TOLERANCE = 0.01
THEME_TOLERANCE = 0.03
OOD_TOLERANCE = 0.01
BEHAVIOUR_TOLERANCE = 0.01


@dataclass(frozen=True)
class GateResult:
    """Whether a candidate passes, and every reason it does not."""

    passed: bool
    reasons: list[str]


def gate(candidate: dict[str, Any], active: dict[str, Any]) -> GateResult:
    """Compare two model cards' test-split scores."""
    new, old = candidate["metrics"]["test"], active["metrics"]["test"]
    reasons = []
    if candidate.get("test_fingerprint") != active.get("test_fingerprint"):
        reasons.append("the two versions were scored on different test sets")
    if new["macro_f1"] < old["macro_f1"] - MACRO_TOLERANCE:
        reasons.append(
            f"macro-F1 {new['macro_f1']:.3f} < {old['macro_f1']:.3f} - {MACRO_TOLERANCE}"
        )
    for theme, scores in old["per_theme"].items():
        now = new["per_theme"].get(theme, {}).get("f1", 0.0)
        if now < scores["f1"] - THEME_TOLERANCE:
            reasons.append(f"{theme} F1 {now:.3f} < {scores['f1']:.3f} - {THEME_TOLERANCE}")
    reasons += _held_out_reasons(candidate, active)
    return GateResult(passed=not reasons, reasons=reasons)


def _held_out_reasons(candidate: dict[str, Any], active: dict[str, Any]) -> list[str]:
    """Out-of-distribution macro-F1 and behavioural pass rate, where the active card has them."""
    new, old = candidate["metrics"], active["metrics"]
    reasons = []
    if "ood" in old:
        fingerprints = [c.get("held_out_fingerprints", {}).get("ood") for c in (candidate, active)]
        if "ood" not in new:
            reasons.append("the candidate was not scored on the out-of-distribution set")
        elif fingerprints[0] != fingerprints[1]:
            reasons.append("the two versions were scored on different out-of-distribution sets")
        elif new["ood"]["macro_f1"] < old["ood"]["macro_f1"] - OOD_TOLERANCE:
            reasons.append(
                f"out-of-distribution macro-F1 {new['ood']['macro_f1']:.3f} < "
                f"{old['ood']['macro_f1']:.3f} - {OOD_TOLERANCE}"
            )
    if "behaviour" in old:
        if "behaviour" not in new:
            reasons.append("the candidate was not run through the behavioural suite")
        elif new["behaviour"]["overall"] < old["behaviour"]["overall"] - BEHAVIOUR_TOLERANCE:
            reasons.append(
                f"behavioural pass rate {new['behaviour']['overall']:.3f} < "
                f"{old['behaviour']['overall']:.3f} - {BEHAVIOUR_TOLERANCE}"
            )
    return reasons


def promote(registry: ModelRegistry, version: str, *, force: bool = False) -> GateResult:
    """Activate `version` if it passes the gate against the active one (or force)."""
    current = registry.active()
    if current == version:
        return GateResult(passed=True, reasons=[f"{version} is already active"])
    result = GateResult(passed=True, reasons=[])
    if current is not None:
        result = gate(registry.card(version), registry.card(current))
    if not result.passed and not force:
        raise PromotionRefusedError(
            f"{version} is worse than the active {current}: {'; '.join(result.reasons)}.",
            hint="An admin may activate it anyway: `--force` on the command line, "
            '`{"force": true}` in the API.',
        )
    reason = "forced past the gate" if not result.passed else "passed the gate"
    registry.set_active(version, reason=reason)
    return result
