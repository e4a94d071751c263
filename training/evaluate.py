"""Evaluate a model on labelled notes and write the report analysts read.

Besides the overall scores, the report splits notes by source (officer notes
and participant feedback read very differently) and scores the codebook's hard
cases on their own, since an average can hide a model that fails exactly the
notes that need judgement. The worst errors (confident and wrong) are listed
for a person to look at.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.kinds import ThemeModel
from nlp.normalise import normalise
from training.behaviour import BehaviourReport, Case, run_suite
from training.dataset import label_matrix, model_text
from training.metrics import Scores, score
from training.records import LabelledNote


@dataclass(frozen=True)
class WorstError:
    """A confident mistake: the note, the theme, the probability, which way wrong."""

    note_id: str
    theme: str
    probability: float
    error: str
    excerpt: str


@dataclass
class EvaluationReport:
    """Scores overall and by subset, the worst errors, and the raw arrays for plots."""

    model: str
    overall: Scores
    subsets: dict[str, Scores]
    worst: list[WorstError]
    labels: np.ndarray = field(repr=False)
    probabilities: np.ndarray = field(repr=False)
    theme_names: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "overall": self.overall.as_dict(),
            "subsets": {name: scores.as_dict() for name, scores in self.subsets.items()},
            "worst_errors": [error.__dict__ for error in self.worst],
        }


def evaluate_model(
    model: ThemeModel, notes: Sequence[LabelledNote], *, version: str, worst: int = 15
) -> EvaluationReport:
    """Score the model on the notes overall, per source, on hard cases and per writer."""
    names = model.theme_names_
    Y = label_matrix(notes, names)
    P = model.predict_proba([model_text(note) for note in notes])
    subsets = {
        "officer": [n.source == "officer" for n in notes],
        "participant": [n.source == "participant" for n in notes],
        "hard_cases": [bool(n.hard) for n in notes],
        "not_hard": [not n.hard for n in notes],
        **_writer_subsets(notes),
    }
    return EvaluationReport(
        model=version,
        overall=score(Y, P, model.thresholds_, names),
        subsets={
            name: score(Y[mask], P[mask], model.thresholds_, names)
            for name, mask in ((k, np.array(v, dtype=bool)) for k, v in subsets.items())
            if mask.any()
        },
        worst=_worst_errors(notes, Y, P, model.thresholds_, names, worst),
        labels=Y,
        probabilities=P,
        theme_names=tuple(names),
    )


MIN_WRITER_NOTES = 30  # fewer is no subset worth a table: ids like UUIDs have no writer


def _writer_subsets(notes: Sequence[LabelledNote]) -> dict[str, list[bool]]:
    """One subset per writer, where a set's ids name them (`ood3-0001`: writer `ood3`).

    The writers of one set differ in how clean a test they are (one may have been
    read before training data was written; see `data/ood/README.md`), and an
    average over all of them hides that. Only prefixes shared by at least
    `MIN_WRITER_NOTES` notes count, and a set needs two of them to get any.
    """
    by_note = [n.id.split("-", 1)[0] if "-" in n.id else None for n in notes]
    counts = Counter(w for w in by_note if w is not None)
    writers = sorted(w for w, count in counts.items() if count >= MIN_WRITER_NOTES)
    if len(writers) < 2:
        return {}
    return {f"writer_{w}": [own == w for own in by_note] for w in writers}


def evaluate_behaviour(model: ThemeModel, cases: Sequence[Case]) -> BehaviourReport:
    """Run the behavioural suite: themes chosen by the model's own thresholds."""

    def predict(texts: Sequence[str]) -> list[set[str]]:
        chosen = model.predict_proba([normalise(t) for t in texts]) >= model.thresholds_
        return [
            {name for name, pick in zip(model.theme_names_, row, strict=True) if pick}
            for row in chosen
        ]

    return run_suite(predict, cases)


def evaluate_held_out(
    model: ThemeModel,
    held_out: Mapping[str, Sequence[LabelledNote]],
    cases: Sequence[Case],
    *,
    version: str,
) -> tuple[dict[str, EvaluationReport], BehaviourReport | None]:
    """Every held-out set's evaluation, and the behavioural suite's (None without cases)."""
    reports = {
        name: evaluate_model(model, notes, version=version) for name, notes in held_out.items()
    }
    return reports, evaluate_behaviour(model, cases) if cases else None


HELD_OUT_TITLES = {
    "ood": "out-of-distribution test set (other writers; models are chosen on it)",
    "test": "seed test split",
    "challenge": "challenge set (written alongside the seed corpus)",
}


def held_out_markdown(
    reports: dict[str, EvaluationReport], behaviour: BehaviourReport | None
) -> str:
    """Every held-out set's scores, the out-of-distribution set first, then the behaviour."""
    lines = ["| set | notes | macro-F1 | " + " | ".join(_themes(reports)) + " |"]
    lines.append("|---|---:|---:|" + "---:|" * len(_themes(reports)))
    for name, report in sorted(reports.items(), key=lambda kv: _order(kv[0])):
        per = " | ".join(f"{t.f1:.3f}" for t in report.overall.per_theme.values())
        lines.append(
            f"| {HELD_OUT_TITLES.get(name, name)} | {report.overall.notes} | "
            f"{report.overall.macro_f1:.3f} | {per} |"
        )
    if behaviour is not None:
        lines += ["", *behaviour.markdown()]
    for name, report in sorted(reports.items(), key=lambda kv: _order(kv[0])):
        lines += ["", f"## {HELD_OUT_TITLES.get(name, name)}", "", report_markdown(report)]
    return "\n".join(lines) + "\n"


def _themes(reports: dict[str, EvaluationReport]) -> list[str]:
    return list(next(iter(reports.values())).overall.per_theme) if reports else []


def _order(name: str) -> int:
    order = list(HELD_OUT_TITLES)
    return order.index(name) if name in order else len(order)


def _worst_errors(
    notes: Sequence[LabelledNote],
    Y: np.ndarray,
    P: np.ndarray,
    thresholds: np.ndarray,
    names: Sequence[str],
    limit: int,
) -> list[WorstError]:
    errors = []
    for i, j in zip(*np.nonzero((thresholds <= P) != Y.astype(bool)), strict=True):
        missed = bool(Y[i, j])
        errors.append(
            WorstError(
                note_id=notes[i].id,
                theme=names[j],
                probability=round(float(P[i, j]), 3),
                error="missed" if missed else "wrongly tagged",
                excerpt=notes[i].text[:160],
            )
        )
    errors.sort(
        key=lambda e: abs(e.probability - (1.0 if e.error == "missed" else 0.0)), reverse=True
    )
    return errors[:limit]


def write_report(report: EvaluationReport, folder: Path) -> list[Path]:
    """report.json, report.md and reliability.png in the folder; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.json", folder / "report.md", folder / "reliability.png"]
    paths[0].write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    paths[1].write_text(report_markdown(report), encoding="utf-8")
    _reliability_plot(report, paths[2])
    return paths


def write_held_out_reports(
    reports: dict[str, EvaluationReport], behaviour: BehaviourReport | None, folder: Path
) -> list[Path]:
    """A summary (report.md, report.json) over every set, and each set's own report in a subfolder."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = {
        "sets": {name: report.as_dict() for name, report in reports.items()},
        "behaviour": behaviour.as_dict() if behaviour is not None else None,
    }
    model = next(iter(reports.values())).model if reports else ""
    paths = [folder / "report.json", folder / "report.md"]
    paths[0].write_text(json.dumps(summary, indent=2), encoding="utf-8")
    paths[1].write_text(
        f"# Evaluation of `{model}`\n\n" + held_out_markdown(reports, behaviour), encoding="utf-8"
    )
    for name, report in reports.items():
        paths += write_report(report, folder / name)
    return paths


def report_markdown(report: EvaluationReport) -> str:
    """The evaluation as Markdown tables."""
    lines = [f"# Evaluation of `{report.model}`", "", f"Notes: {report.overall.notes}", ""]
    lines += scores_table(report.overall)
    for name, scores in report.subsets.items():
        lines += ["", f"## {name.replace('_', ' ')} ({scores.notes} notes)", ""]
        lines += scores_table(scores)
    lines += [
        "",
        "## Worst errors",
        "",
        "| note | theme | p | error | excerpt |",
        "|---|---|---|---|---|",
    ]
    for e in report.worst:
        excerpt = e.excerpt.replace("|", "/").replace("\n", " ")
        lines.append(f"| {e.note_id} | {e.theme} | {e.probability:.3f} | {e.error} | {excerpt} |")
    return "\n".join(lines) + "\n"


def scores_table(scores: Scores) -> list[str]:
    lines = ["| theme | precision | recall | F1 | support | ECE |", "|---|---|---|---|---|---|"]
    for name, t in scores.per_theme.items():
        lines.append(
            f"| {name} | {t.precision:.3f} | {t.recall:.3f} | {t.f1:.3f} | {t.support} | {t.ece:.3f} |"
        )
    lines.append(
        f"| **macro F1 {scores.macro_f1:.3f}** | micro F1 {scores.micro_f1:.3f} | "
        f"exact match {scores.exact_match:.3f} | | | ECE {scores.ece:.3f} |"
    )
    return lines


def _reliability_plot(report: EvaluationReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5, 5))
    edges = np.linspace(0, 1, 11)
    for j, name in enumerate(report.theme_names):
        p, y = report.probabilities[:, j], report.labels[:, j]
        which = np.clip(np.digitize(p, edges[1:-1]), 0, 9)
        xs = [p[which == b].mean() for b in range(10) if (which == b).any()]
        ys = [y[which == b].mean() for b in range(10) if (which == b).any()]
        axis.plot(xs, ys, marker="o", label=name)
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    axis.set(xlabel="predicted probability", ylabel="observed frequency", title="Reliability")
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
