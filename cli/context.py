"""What every command needs, built once from the settings at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from api.settings import Settings
from models.registry import ModelRegistry
from nlp.areas import Areas, load_areas
from nlp.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:  # torch, transformers and spaCy load only when a command needs them,
    # so that `walktalk --help` and light commands answer at once
    from sqlalchemy.orm import Session, sessionmaker

    from models.predict import Predictor
    from nlp.redact import Redactor


@dataclass
class Context:
    """Settings plus the objects derived from them, loaded on first use."""

    settings: Settings

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return load_taxonomy(self.settings.taxonomy_path)

    @cached_property
    def areas(self) -> Areas:
        return load_areas(self.settings.areas_path)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the migrated database, open for the life of the command."""
        from api.db.engine import database_url, make_engine, make_session_factory
        from api.db.migrate import upgrade

        engine = make_engine(database_url(self.settings.database_url, self.settings.home))
        upgrade(engine)
        return make_session_factory(engine)

    @cached_property
    def registries(self) -> tuple[ModelRegistry, ModelRegistry]:
        """The theme and safeguarding registries, in folders or in the database."""
        from api.model_store import open_registries

        database = self.settings.model_store == "database"
        return open_registries(self.settings, self.sessions if database else None)

    @property
    def registry(self) -> ModelRegistry:
        return self.registries[0]

    @property
    def flag_registry(self) -> ModelRegistry:
        """The safeguarding flag's versions, apart from the theme models."""
        return self.registries[1]

    @cached_property
    def redactor(self) -> Redactor:
        """The same PII redaction the API applies before classifying."""
        from api.app import build_redactor

        return build_redactor(self.settings, self.areas)


def context() -> Context:
    """Read the settings (environment, .env) and wrap them."""
    return Context(Settings())


def active_predictor(ctx: Context, version: str | None = None) -> Predictor:
    """The active (or named) model with the taxonomy's cue lexicon."""
    from models.predict import Predictor
    from nlp.cues import build_lexicon

    chosen = version or ctx.registry.require_active()
    return Predictor(
        model=ctx.registry.load(chosen), lexicon=build_lexicon(ctx.taxonomy), version=chosen
    )
