"""Memory of a hot swap: one served model, the peak while a second replaces it, and after.

    .venv/bin/python -m bench.hot_swap --model $WALKTALK_HOME/models/VERSION

Copies the saved version into a temporary registry twice (as `a` and `b`),
serves `a` through `api.active_model.ActiveModel` as a worker does, classifies
200 seed notes, then activates `b` and classifies again: the swap happens on
that request, as in a running worker. Then swaps back while a "request" still
holds the old model and uses it after the swap. Prints, from /proc/self/status,
resident memory before any model and with one, and for each swap the peak
(VmHWM, reset just before it), the time to the new model's first answer, and
the memory after, each also as a ratio of the memory with one model.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
from pathlib import Path

from api.active_model import ActiveModel
from bench.api import load_seed_notes
from models.registry import ModelRegistry
from nlp.cues import build_lexicon
from nlp.resources import DEFAULT_TAXONOMY
from nlp.taxonomy import load_taxonomy


def status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    """Reset VmHWM to the current resident size (Linux: write 5 to clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a saved model version folder")
    args = parser.parse_args()
    texts = [note.text for note in load_seed_notes()][:200]
    with tempfile.TemporaryDirectory() as folder:
        registry = ModelRegistry(Path(folder))
        for name in ("a", "b"):
            shutil.copytree(args.model, registry.root / name)
        active = ActiveModel(registry, build_lexicon(load_taxonomy(DEFAULT_TAXONOMY)))
        gc.collect()
        before = status_mib("VmRSS")
        registry.set_active("a", reason="bench")
        active.current().classify(texts)
        gc.collect()
        one = status_mib("VmRSS")
        swap_s, peak = swap(active, registry, "b", texts, hold_old=False)
        gc.collect()
        after = status_mib("VmRSS")
        held_s, held_peak = swap(active, registry, "a", texts, hold_old=True)
        gc.collect()
        after_held = status_mib("VmRSS")
    print(f"before any model: {before:,.0f} MiB")
    print(f"serving one model: {one:,.0f} MiB (the model: {one - before:,.0f} MiB)")
    print(
        f"swap with no request in flight: peak {peak:,.0f} MiB ({peak / one:.2f}x), "
        f"{swap_s:.2f} s to the first answer; after {after:,.0f} MiB ({after / one:.2f}x)"
    )
    print(
        f"swap while a request holds the old model: peak {held_peak:,.0f} MiB "
        f"({held_peak / one:.2f}x), {held_s:.2f} s; after it lets go {after_held:,.0f} MiB "
        f"({after_held / one:.2f}x)"
    )


def swap(
    active: ActiveModel, registry: ModelRegistry, to: str, texts: list[str], *, hold_old: bool
) -> tuple[float, float]:
    """Activate `to` and classify through it; (seconds to its first answer, peak MiB)."""
    old = active.current() if hold_old else None  # a request still using the old model
    registry.set_active(to, reason="bench")
    reset_peak()
    start = time.perf_counter()
    predictor = active.current()
    predictor.classify(texts[:1])
    elapsed = time.perf_counter() - start
    predictor.classify(texts)
    if old is not None:
        old.classify(texts[:1])
    return elapsed, status_mib("VmHWM")


if __name__ == "__main__":
    main()
