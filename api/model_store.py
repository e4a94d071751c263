"""Model versions kept in the database, so replicas that share only it see the same ones.

`DatabaseRegistry` is the registry of `models/registry.py` with its three
stores moved into tables: a version's files (`model_files`, each with its
SHA-256), its card (`model_versions`) and every activation
(`model_activations`; the newest is the active pointer). Registering a version
is one transaction, so a crash leaves either the whole version or none of it.

To load a version a process copies its files once into a local cache folder
named by the version and a digest of its files' hashes (written to a temporary
folder and renamed, so a half-copied version is never loaded). Which version is
active is read again at most every `poll_seconds`: an activation or rollback
on one replica reaches the others within that time, and the next request there
swaps the model as it does with the folder registry (api/active_model.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import ModelActivation, ModelFile, ModelVersion
from api.settings import Settings
from models.errors import RegistryConflictError, UnknownVersionError
from models.registry import (
    CARD_FILE,
    FLAG_FOLDER,
    THEMES_FOLDER,
    ModelRegistry,
    VersionInfo,
    activation_stack,
    check_version_name,
    read_exported_card,
    refuse_if_kept,
    version_info,
)

if TYPE_CHECKING:
    from models.kinds import ThemeModel

CACHE_FOLDER = "model-cache"
_CACHED = re.compile(r"[0-9a-f]{16}")  # a local copy is VERSION-<16 hex of its files' hash>


class DatabaseRegistry(ModelRegistry):
    """A model registry whose versions, cards and activations live in the database."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        name: str,
        cache: Path,
        *,
        poll_seconds: float = 1.0,
        threads: int = 0,
    ) -> None:
        super().__init__(cache, threads=threads)
        self._sessions = sessions
        self.name = name
        self._poll_seconds = poll_seconds
        self._active: tuple[float, str | None] | None = None
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return f"the database's {self.name!r} registry"

    def _refuse_taken(self, version: str) -> None:
        with self._sessions() as session:
            if session.get(ModelVersion, (self.name, version)) is not None:
                raise RegistryConflictError(
                    f"Version {version!r} already exists.", hint="Pick another --name."
                )

    def import_folder(self, folder: Path, *, version: str) -> str:
        check_version_name(version)
        card = {**read_exported_card(folder), "version": version}
        markdown_path = folder / "card.md"
        markdown = markdown_path.read_text(encoding="utf-8") if markdown_path.exists() else ""
        files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name != CARD_FILE]
        self._refuse_taken(version)  # the primary key refuses a race between two replicas
        with self._sessions() as session, session.begin():
            session.add(
                ModelVersion(
                    registry_name=self.name,
                    version=version,
                    kind=str(card.get("kind", "?")),
                    card=card,
                    markdown=markdown,
                    created_at=_now(),
                )
            )
            session.flush()
            for path in files:
                content = path.read_bytes()
                session.add(
                    ModelFile(
                        registry_name=self.name,
                        version=version,
                        path=path.relative_to(folder).as_posix(),
                        sha256=hashlib.sha256(content).hexdigest(),
                        size=len(content),
                        content=content,
                    )
                )
                session.flush()  # one file's bytes in memory at a time
                session.expunge_all()
        return version

    def export(self, version: str, destination: Path) -> Path:
        shutil.copytree(self._materialise(version), destination)
        return destination

    def versions(self) -> list[VersionInfo]:
        active = self._read_active()
        with self._sessions() as session:
            rows = session.execute(
                select(ModelVersion.version, ModelVersion.card).where(
                    ModelVersion.registry_name == self.name
                )
            ).all()
        infos = [version_info(version, card, active) for version, card in rows]
        return sorted(infos, key=lambda info: (info.created_at, info.version))

    def card(self, version: str) -> dict[str, Any]:
        with self._sessions() as session:
            row = session.get(ModelVersion, (self.name, version))
            if row is None:
                raise self._unknown(session, version)
            return dict(row.card)

    def load(self, version: str) -> ThemeModel:
        from models.kinds import load_model

        return load_model(self._materialise(version), threads=self.threads)

    def active(self) -> str | None:
        """The active version, read from the database at most every `poll_seconds`."""
        cached = self._active
        if cached is not None and time.monotonic() - cached[0] < self._poll_seconds:
            return cached[1]
        return self._read_active()

    def set_active(self, version: str, *, reason: str, rollback: bool = False) -> None:
        with self._sessions() as session, session.begin():
            # Locked, so an activation and a deletion of one version never interleave.
            if session.get(ModelVersion, (self.name, version), with_for_update=True) is None:
                raise self._unknown(session, version)
            previous = _newest_activation(session, self.name)
            session.add(
                ModelActivation(
                    registry_name=self.name,
                    version=version,
                    previous=previous,
                    reason=reason[:300],
                    rollback=rollback,
                    at=_now(),
                )
            )
        self._active = (time.monotonic(), version)

    def rollback(self) -> str:
        self._read_active()  # decide on the database's pointer, not a cached one
        return super().rollback()

    def delete(self, version: str) -> None:
        """Remove a version's card and files in one transaction (see `ModelRegistry.delete`).

        Other replicas' local copies are not reached from here: each replica
        removes them the next time it loads a version (`_prune`).
        """
        with self._sessions() as session, session.begin():
            key = (self.name, version)
            if session.get(ModelVersion, key, with_for_update=True) is None:
                raise self._unknown(session, version)
            stack = activation_stack(_activations(session, self.name))
            refuse_if_kept(version, stack, lambda v: _stored(session, self.name, v), self.location)
            session.execute(
                delete(ModelFile).where(
                    ModelFile.registry_name == self.name, ModelFile.version == version
                )
            )
            session.execute(
                delete(ModelVersion).where(
                    ModelVersion.registry_name == self.name, ModelVersion.version == version
                )
            )
        with self._sessions() as session:
            self._prune(session)  # this process's own copy goes now

    def _has(self, version: str) -> bool:
        with self._sessions() as session:
            return _stored(session, self.name, version)

    def _history(self) -> list[dict[str, Any]]:
        with self._sessions() as session:
            return _activations(session, self.name)

    def _read_active(self) -> str | None:
        with self._sessions() as session:
            version = _newest_activation(session, self.name)
        self._active = (time.monotonic(), version)
        return version

    def _materialise(self, version: str) -> Path:
        """The version's files in the local cache, copied from the database once."""
        with self._sessions() as session:
            listing = session.execute(
                select(ModelFile.path, ModelFile.sha256)
                .where(ModelFile.registry_name == self.name, ModelFile.version == version)
                .order_by(ModelFile.path)
            ).all()
            if not listing:
                raise self._unknown(session, version)
            digest = hashlib.sha256(json.dumps([list(r) for r in listing]).encode()).hexdigest()
            target = self.root / f"{version}-{digest[:16]}"
            with self._lock:
                if not target.exists():
                    self._copy_out(session, version, listing, target)
                self._prune(session)
            card = session.get(ModelVersion, (self.name, version))
            assert card is not None
            (target / CARD_FILE).write_text(json.dumps(card.card), encoding="utf-8")
        return target

    def _prune(self, session: Session) -> None:
        """Remove local copies of versions no longer stored (deleted on another replica).

        Run when a version is loaded (at start and at each swap), not per request.
        A model already loaded from a copy keeps running: it is in memory. Workers
        on one machine share the cache, so a copy written after the list of stored
        versions was read (a version registered meanwhile) is left alone.
        """
        listed_at = time.time()
        stored = set(
            session.scalars(
                select(ModelVersion.version).where(ModelVersion.registry_name == self.name)
            )
        )
        if not self.root.is_dir():  # nothing copied out yet
            return
        for copy in self.root.iterdir():
            version, _, digest = copy.name.rpartition("-")
            if not (copy.is_dir() and _CACHED.fullmatch(digest)) or version in stored:
                continue
            with contextlib.suppress(FileNotFoundError):  # another worker pruned it first
                if copy.stat().st_mtime < listed_at:
                    shutil.rmtree(copy, ignore_errors=True)

    def _copy_out(
        self, session: Session, version: str, listing: Sequence[Any], target: Path
    ) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        try:
            for path, sha256 in listing:
                content = session.scalar(
                    select(ModelFile.content).where(
                        ModelFile.registry_name == self.name,
                        ModelFile.version == version,
                        ModelFile.path == path,
                    )
                )
                if content is None or hashlib.sha256(content).hexdigest() != sha256:
                    raise UnknownVersionError(f"Stored file {path} of {version!r} is damaged.")
                out = staging / path
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(content)
            staging.rename(target)
        except FileExistsError:  # another process copied it out first
            shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def _unknown(self, session: Session, version: str) -> UnknownVersionError:
        known = session.scalars(
            select(ModelVersion.version).where(ModelVersion.registry_name == self.name)
        ).all()
        return UnknownVersionError(
            f"No model version {version!r} in {self.location} "
            f"(known: {', '.join(sorted(known)) or 'none'}).",
            hint="`walktalk models list` shows the versions; `walktalk train` makes one.",
        )


def open_registries(
    settings: Settings, sessions: sessionmaker[Session] | None
) -> tuple[ModelRegistry, ModelRegistry]:
    """The theme and safeguarding registries the settings ask for."""
    threads = settings.threads_per_process()
    if settings.model_store == "files":
        return (
            ModelRegistry(settings.home / THEMES_FOLDER, threads=threads),
            ModelRegistry(settings.home / FLAG_FOLDER, threads=threads),
        )
    if sessions is None:
        raise ValueError("the database model store needs a database")
    cache = settings.home / CACHE_FOLDER
    poll = settings.model_poll_seconds
    return (
        DatabaseRegistry(
            sessions, THEMES_FOLDER, cache / THEMES_FOLDER, poll_seconds=poll, threads=threads
        ),
        DatabaseRegistry(
            sessions, FLAG_FOLDER, cache / FLAG_FOLDER, poll_seconds=poll, threads=threads
        ),
    )


def _activations(session: Session, name: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ModelActivation.version, ModelActivation.rollback)
        .where(ModelActivation.registry_name == name)
        .order_by(ModelActivation.id)
    ).all()
    return [{"version": version, "rollback": back} for version, back in rows]


def _stored(session: Session, name: str, version: str) -> bool:
    return session.get(ModelVersion, (name, version)) is not None


def _newest_activation(session: Session, name: str) -> str | None:
    return session.scalar(
        select(ModelActivation.version)
        .where(ModelActivation.registry_name == name)
        .order_by(ModelActivation.id.desc())
        .limit(1)
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
