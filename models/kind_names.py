"""The kinds of theme model, by name, and the default: importable without torch.

The command line offers these names in `--help`, which must answer at once, so
they live apart from the model classes (which pull in torch and scikit-learn).
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["transformer", "linear", "encoder", "hybrid"]
# Chosen on the out-of-distribution set (see the README's quality table).
DEFAULT_KIND: Kind = "transformer"
# Encoder blocks in all-MiniLM-L6-v2: the most `--layers` may keep, and the default.
ENCODER_LAYERS = 6
# The transformer's seed for shuffling, dropout and the head: the default is the one
# the README's figures were trained with.
DEFAULT_SEED = 13
# Tokens per window when the transformer reads a note too long for the encoder
# (models/windows.py); chosen on the long out-of-distribution notes (README).
LONG_NOTE_WINDOW = 64
