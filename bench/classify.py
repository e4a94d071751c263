"""Benchmark: how fast each kind of classifier tags notes, and how much memory.

Run: `.venv/bin/python -m bench.classify` (after the seed corpus is in place).

Prints, for each kind (linear, encoder, hybrid; and `transformer` when a saved
one is named with `--transformer FOLDER`, e.g. a version folder under
`$WALKTALK_HOME/models`: fine-tuning it here would take minutes) and for the `transformers`
text-classification pipeline over the same MiniLM encoder (a randomly
initialised head: its answers mean nothing, its speed is the baseline):

- notes/s classifying 1,000 seed notes in one batch call;
- milliseconds per note, one note per call (median and p95 of 200 calls);
- peak resident memory (VmHWM) of a fresh process that fits the kind on the
  seed train split and classifies the 1,000 notes.

Throughput figures are measured in one process, interleaved, and also given as
a ratio to the pipeline's, since absolute numbers on a shared 2-core machine
drift from run to run.

With `--transformer`, it also prints the fine-tuned model under each runtime
(PyTorch fp32, the baseline; ONNX fp32; ONNX int8), the served runtime end to end
from raw text (normalise, redact, classify), the same with the recogniser on
thinc's default BLIS (`tf-served-e2e-blis`, as served before the switch to NumPy
in nlp/pipeline.py), and the cost of occlusion evidence per note, as ratios to
PyTorch fp32 measured in the same process.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from thinc.api import NumpyOps

from api.app import build_redactor
from api.settings import Settings
from models.classifier import ThemeClassifier
from models.encoder import SentenceEncoder, default_encoder_path
from models.kinds import ThemeModel, load_model
from models.onnx_runtime import OnnxLogits
from models.predict import Predictor
from models.transformer import TransformerClassifier
from nlp.areas import load_areas
from nlp.cues import build_lexicon
from nlp.pipeline import use_ops
from nlp.prepare import prepare_and_classify
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY, SEED_DIR
from nlp.taxonomy import load_taxonomy
from training.dataset import label_matrix
from training.train import load_seed

KINDS = ("linear", "encoder", "hybrid")


def seed_texts() -> tuple[list[str], np.ndarray, list[str]]:
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    seed = load_seed(SEED_DIR, taxonomy=taxonomy, areas=load_areas(DEFAULT_AREAS))
    train = [n.text for n in seed.train]
    every = [n.text for n in seed.train + seed.validation + seed.test]
    return train, label_matrix(seed.train, taxonomy.names), (every * 2)[:1000]


def fit(
    kind: str, texts: list[str], labels: np.ndarray, encoder: SentenceEncoder
) -> ThemeClassifier:
    model = ThemeClassifier(kind=kind, C=16.0).use_encoder(encoder)
    return model.fit(texts, labels, theme_names=load_taxonomy(DEFAULT_TAXONOMY).names)


def pipeline_classifier() -> Callable[[Sequence[str]], object]:
    from transformers import pipeline
    from transformers.utils import logging

    logging.set_verbosity_error()
    classifier = pipeline(
        "text-classification", model=str(default_encoder_path()), device="cpu", top_k=None
    )
    return lambda texts: classifier(list(texts), batch_size=64, truncation=True)


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(predict: Callable[[Sequence[str]], object], notes: list[str]) -> dict[str, float]:
    predict(notes[:32])  # warm up
    batch = timed(lambda: predict(notes))
    singles = [timed(lambda text=text: predict([text])) * 1000 for text in notes[:200]]
    return {
        "notes_per_s": round(len(notes) / batch, 1),
        "single_ms_median": round(statistics.median(singles), 2),
        "single_ms_p95": round(float(np.percentile(singles, 95)), 2),
        "single_ms_p99": round(float(np.percentile(singles, 99)), 2),
    }


def peak_memory(kind: str, transformer: Path | None) -> float:
    """Peak RSS in MiB of a fresh process that fits/loads one kind and classifies."""
    extra = ["--transformer", str(transformer)] if transformer else []
    out = subprocess.run(
        [sys.executable, "-m", "bench.classify", "--memory-of", kind, *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def memory_child(kind: str, transformer: Path | None) -> None:
    train, labels, notes = seed_texts()
    if kind == "pipeline":
        pipeline_classifier()(notes)
    elif kind == "transformer" and transformer is not None:
        load_model(transformer).predict_proba(notes)
    else:
        fit(kind, train, labels, SentenceEncoder(cache=False)).predict_proba(notes)
    print(high_water_mib())


def high_water_mib() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def transformer_runtimes(
    folder: Path,
) -> tuple[dict[str, TransformerClassifier], dict[str, bytes]]:
    """The saved transformer three ways: PyTorch fp32 (the baseline), ONNX fp32, ONNX int8."""
    copies = {}
    for runtime in ("torch", "onnx-fp32", "onnx-int8"):
        model = load_model(folder)
        assert isinstance(model, TransformerClassifier)
        copies[runtime] = model
    copies["torch"].use_runtime("torch")
    graphs = copies["torch"].export_runtimes()
    for runtime in ("onnx-fp32", "onnx-int8"):
        copies[runtime].use_runtime(runtime, graphs[runtime])
    return copies, graphs


def one_thread(graph: bytes, model: TransformerClassifier) -> OnnxLogits:
    """The int8 graph's logits on one thread, lone notes included (as served until a
    lone note was given every core): what the second session buys."""
    return OnnxLogits(graph, model.tokenizer_, max_length=model.max_length, threads=1)


def end_to_end(model: ThemeModel, *, blis: bool = False) -> Callable[[Sequence[str]], object]:
    """Raw text to probabilities as the service does it: normalise, check, redact, classify.

    With `blis`, the recogniser multiplies with thinc's default BLIS instead of
    NumPy (as before nlp/pipeline.py switched it): the switch's worth on this CPU.
    """
    settings = Settings()
    redactor = build_redactor(settings, load_areas(settings.areas_path))
    if blis and redactor.detector.nlp is not None:
        use_ops(redactor.detector.nlp, NumpyOps(use_blis=True))

    def classify(texts: list[str]) -> list[np.ndarray]:
        return list(model.predict_proba(texts))

    return lambda texts: prepare_and_classify(texts, redactor, classify)[1]


def evidence_ms(model: ThemeModel, notes: list[str]) -> float:
    """Milliseconds per note for occlusion evidence (one batched call per note)."""
    predictor = Predictor(model, build_lexicon(load_taxonomy(DEFAULT_TAXONOMY)), "bench")
    sample = notes[:40]
    return round(
        timed(lambda: [predictor.classify([n], evidence="model") for n in sample])
        * 1000
        / len(sample),
        1,
    )


def transformer_figures(folder: Path, notes: list[str]) -> dict[str, dict[str, float]]:
    """Each runtime's speed, end to end for the served one, as ratios to PyTorch fp32."""
    copies, graphs = transformer_runtimes(folder)
    served = load_model(folder)
    figures = {f"tf-{name}": measure(model.predict_proba, notes) for name, model in copies.items()}
    figures["tf-onnx-int8-1-thread"] = measure(
        one_thread(graphs["onnx-int8"], copies["onnx-int8"]), notes
    )
    figures["tf-served-e2e"] = measure(end_to_end(served), notes)
    figures["tf-served-e2e-blis"] = measure(end_to_end(served, blis=True), notes)
    base = figures["tf-torch"]["notes_per_s"]
    for row in figures.values():
        row["x_torch_fp32"] = round(row["notes_per_s"] / base, 2)
    figures["tf-served-e2e"]["evidence_ms_per_note"] = evidence_ms(served, notes)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-of", choices=[*KINDS, "pipeline", "transformer"])
    parser.add_argument("--transformer", type=Path, help="a saved transformer model folder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--transformer-only",
        action="store_true",
        help="only the transformer's runtimes (needs --transformer)",
    )
    args = parser.parse_args()
    if args.transformer_only and not args.transformer:
        parser.error("--transformer-only needs --transformer FOLDER")
    torch.set_num_threads(args.threads)
    if args.memory_of:
        memory_child(args.memory_of, args.transformer)
        return
    if args.transformer_only:
        print(f"peak MiB, transformer: {peak_memory('transformer', args.transformer):.1f}")
        print_transformer(transformer_figures(args.transformer, seed_texts()[2]))
        return
    names = ("pipeline", *KINDS, *(("transformer",) if args.transformer else ()))
    peaks = {name: round(peak_memory(name, args.transformer), 1) for name in names}
    train, labels, notes = seed_texts()
    training_encoder = SentenceEncoder(cache=True)
    models = {kind: fit(kind, train, labels, training_encoder) for kind in KINDS}
    serving_encoder = SentenceEncoder()
    for model in models.values():
        model.use_encoder(serving_encoder)
    results = {"pipeline": measure(pipeline_classifier(), notes)}
    for kind, model in models.items():
        results[kind] = measure(model.predict_proba, notes)
    if args.transformer:
        results["transformer"] = measure(load_model(args.transformer).predict_proba, notes)
    base = results["pipeline"]["notes_per_s"]
    for name, figures in results.items():
        figures["throughput_vs_pipeline"] = round(figures["notes_per_s"] / base, 2)
        figures["peak_rss_mib"] = peaks[name]
    print(f"{len(notes)} notes, torch threads {args.threads}")
    print(
        f"{'':11} {'notes/s':>9} {'x pipeline':>10} {'1 note ms':>10} {'p95 ms':>8} {'peak MiB':>9}"
    )
    for name, f in results.items():
        print(
            f"{name:11} {f['notes_per_s']:>9} {f['throughput_vs_pipeline']:>10} "
            f"{f['single_ms_median']:>10} {f['single_ms_p95']:>8} {f['peak_rss_mib']:>9}"
        )
    if args.transformer:
        print_transformer(transformer_figures(args.transformer, notes))
    print(json.dumps(results))


def print_transformer(figures: dict[str, dict[str, float]]) -> None:
    print("\nfine-tuned transformer, each runtime, as ratios to PyTorch fp32 in this process")
    print(f"{'':22} {'notes/s':>9} {'x torch':>8} {'1 note ms':>10} {'p95 ms':>8} {'p99 ms':>8}")
    for name, f in figures.items():
        print(
            f"{name:22} {f['notes_per_s']:>9} {f['x_torch_fp32']:>8} "
            f"{f['single_ms_median']:>10} {f['single_ms_p95']:>8} {f['single_ms_p99']:>8}"
        )
    print(
        f"evidence (occlusion, served runtime): {figures['tf-served-e2e']['evidence_ms_per_note']} ms/note"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
