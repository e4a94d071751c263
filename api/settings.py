"""The one settings object. Read once at start-up by the CLI or the app factory.

Every value can be set by an environment variable with the prefix `WALKTALK_`
(e.g. `WALKTALK_HOME=/srv/walktalk`) or in a `.env` file in the working
directory. Nothing reads the environment at import time: call `Settings()`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY, SEED_DIR


class Settings(BaseSettings):
    """Deployment configuration; each field is documented in the README."""

    model_config = SettingsConfigDict(
        env_prefix="WALKTALK_", env_file=".env", extra="ignore", frozen=True
    )

    home: Path = Field(
        default=Path("walktalk-home"),
        description="Folder for the model registry, the SQLite database and run logs.",
    )
    taxonomy_path: Path = Field(
        default=DEFAULT_TAXONOMY, description="YAML file listing the themes."
    )
    areas_path: Path = Field(
        default=DEFAULT_AREAS, description="YAML file mapping boroughs to BCUs."
    )
    seed_path: Path = Field(
        default=SEED_DIR, description="Folder of the seed corpus and its splits."
    )
