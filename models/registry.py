"""The model registry: a folder per version, a model card, an active pointer.

Layout under the registry root (by default `$WALKTALK_HOME/models`):

    <version>/config.json, *.safetensors, *_vocabulary.json  the model
    <version>/card.json, card.md                           its model card
    ACTIVE                                                 the active version
    history.jsonl                                          every activation

A version is written to a temporary folder and renamed into place, so a crash
never leaves half a model under a real name; the active pointer is replaced
atomically (write a temp file, then os.replace). Rolling back re-activates the
version that was active before the current one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.errors import (
    RegistryConflictError,
    RegistryError,
    UnknownVersionError,
    VersionNameError,
)

if TYPE_CHECKING:  # the model kinds pull in torch and scikit-learn; loaded on first use
    from models.kinds import ThemeModel

_VERSION = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ACTIVE_FILE = "ACTIVE"
# Under the walktalk home: theme models, and the safeguarding flag (a registry of its own).
THEMES_FOLDER, FLAG_FOLDER = "models", "safeguarding"
HISTORY_FILE = "history.jsonl"
CARD_FILE = "card.json"


@dataclass(frozen=True)
class VersionInfo:
    """What `walktalk models list` shows for one version."""

    version: str
    kind: str
    created_at: str
    macro_f1: float | None  # on the seed test split
    active: bool
    ood_macro_f1: float | None = None  # on the out-of-distribution set (newer cards only)
    behaviour: float | None = None  # behavioural pass rate (newer cards only)


class ModelRegistry:
    """Versions of theme classifiers stored under one folder."""

    def __init__(self, root: Path, *, threads: int = 0) -> None:
        self.root = root
        self.threads = threads  # for the models it loads (0: one per core)

    @property
    def location(self) -> str:
        """Where the versions live, for messages."""
        return str(self.root)

    def register(
        self, model: ThemeModel, card: dict[str, Any], *, version: str, markdown: str = ""
    ) -> str:
        """Save a fitted model, its card (JSON and Markdown) as a new version.

        The model is saved to a staging folder first and registered from there
        as an exported version would be, so every store shares one way in.
        """
        check_version_name(version)
        self._refuse_taken(version)
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".staging-", dir=self.root) as staging:
            folder = Path(staging)
            model.save(folder)
            _write_card(folder, card)
            (folder / "card.md").write_text(markdown, encoding="utf-8")
            return self.import_folder(folder, version=version)

    def import_folder(self, folder: Path, *, version: str) -> str:
        """Register a version from an exported folder (its files and card), as it is."""
        check_version_name(version)
        card = read_exported_card(folder)
        self._refuse_taken(version)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        try:
            shutil.copytree(folder, staging, dirs_exist_ok=True)
            _write_card(staging, {**card, "version": version})
            staging.rename(self.root / version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return version

    def export(self, version: str, destination: Path) -> Path:
        """Copy a version's files and card to a new folder (for `models import` elsewhere)."""
        shutil.copytree(self._folder(version), destination)
        return destination

    def _refuse_taken(self, version: str) -> None:
        if (self.root / version).exists():
            raise RegistryConflictError(
                f"Version {version!r} already exists.", hint="Pick another --name."
            )

    def versions(self) -> list[VersionInfo]:
        """Every registered version, oldest first."""
        active = self.active()
        infos = [version_info(f.name, self.card(f.name), active) for f in self._version_folders()]
        return sorted(infos, key=lambda info: (info.created_at, info.version))

    def card(self, version: str) -> dict[str, Any]:
        path = self._folder(version) / CARD_FILE
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return card

    def load(self, version: str) -> ThemeModel:
        from models.kinds import load_model

        return load_model(self._folder(version), threads=self.threads)

    def active(self) -> str | None:
        """The active version, or None when nothing has been activated yet."""
        path = self.root / ACTIVE_FILE
        if not path.exists():
            return None
        return path.read_text(encoding="utf-8").strip() or None

    def require_active(self) -> str:
        version = self.active()
        if version is None:
            raise RegistryError(
                f"No model is active in {self.location}.",
                hint="Train one with `walktalk train`, or activate one with "
                "`walktalk models activate VERSION`.",
            )
        return version

    def set_active(self, version: str, *, reason: str, rollback: bool = False) -> None:
        """Point ACTIVE at a version (no quality gate here; see training.promotion)."""
        self._folder(version)
        previous = self.active()
        _atomic_write(self.root / ACTIVE_FILE, version + "\n")
        event = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "version": version,
            "previous": previous,
            "reason": reason,
            "rollback": rollback,
        }
        with (self.root / HISTORY_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(event) + "\n")

    def rollback(self) -> str:
        """Re-activate the version that was active before the current one.

        Activations form a stack: activating pushes, rolling back pops, so
        rolling back twice goes two versions back rather than to and fro. A
        version deleted since is passed over.
        """
        current = self.require_active()
        target = rollback_target(activation_stack(self._history()), self._has)
        if target is None:
            raise RegistryConflictError(
                f"Nothing to roll back to: no version active before {current} is still stored."
            )
        self.set_active(target, reason=f"rollback from {current}", rollback=True)
        return target

    def delete(self, version: str) -> None:
        """Remove a version for good, unless it is active or a rollback could return to it.

        The folder is first renamed out of the registry (one atomic step), so a
        crash part-way leaves either the whole version or none of it listed.
        """
        folder = self._folder(version)
        refuse_if_kept(version, activation_stack(self._history()), self._has, self.location)
        doomed = self.root / f".deleting-{version}-{uuid.uuid4().hex[:8]}"
        folder.rename(doomed)
        shutil.rmtree(doomed)

    def _has(self, version: str) -> bool:
        return _holds(self.root, version)

    def _history(self) -> list[dict[str, Any]]:
        path = self.root / HISTORY_FILE
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _folder(self, version: str) -> Path:
        folder = self.root / version
        if not _holds(self.root, version):
            known = ", ".join(info.name for info in self._version_folders()) or "none"
            raise UnknownVersionError(
                f"No model version {version!r} in {self.location} (known: {known}).",
                hint="`walktalk models list` shows the versions; `walktalk train` makes one.",
            )
        return folder

    def _version_folders(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and (p / CARD_FILE).exists())


def version_info(version: str, card: dict[str, Any], active: str | None) -> VersionInfo:
    """What `models list` shows for a version, from its card."""
    metrics = card.get("metrics", {})
    return VersionInfo(
        version=version,
        kind=str(card.get("kind", "?")),
        created_at=str(card.get("created_at", "")),
        macro_f1=metrics.get("test", {}).get("macro_f1"),
        ood_macro_f1=metrics.get("ood", {}).get("macro_f1"),
        behaviour=metrics.get("behaviour", {}).get("overall"),
        active=version == active,
    )


def check_version_name(version: str) -> None:
    if not _VERSION.match(version):
        raise VersionNameError(
            f"{version!r} is not a valid version name: use lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit, at most 64 characters."
        )


def read_exported_card(folder: Path) -> dict[str, Any]:
    """The card of an exported version folder, or a clear error if it is not one."""
    path = folder / CARD_FILE
    if not folder.is_dir() or not path.is_file() or not (folder / "config.json").is_file():
        raise UnknownVersionError(
            f"{folder} is not an exported model version (it needs config.json and {CARD_FILE}).",
            hint="`walktalk models export VERSION --to FOLDER` writes one.",
        )
    try:
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UnknownVersionError(f"{path} is not a readable model card ({err}).") from err
    if not isinstance(card, dict):
        raise UnknownVersionError(f"{path} is not a readable model card (not a JSON object).")
    return card


def _write_card(folder: Path, card: dict[str, Any]) -> None:
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2), encoding="utf-8")


def _atomic_write(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _holds(root: Path, version: str) -> bool:
    """Whether `root` has a version folder of that (valid) name, with its card."""
    return bool(_VERSION.match(version)) and (root / version / CARD_FILE).exists()


def activation_stack(history: Sequence[dict[str, Any]]) -> list[str]:
    """Versions in order of activation, the active one last: what a rollback walks back.

    Activating pushes; a rollback pops down to the version it re-activated (one
    step, unless versions in between had been deleted and were passed over).
    """
    stack: list[str] = []
    for event in history:
        if not event.get("rollback"):
            stack.append(event["version"])
            continue
        if stack:
            stack.pop()
        while stack and stack[-1] != event["version"]:
            stack.pop()
    return stack


def rollback_target(stack: Sequence[str], has: Callable[[str], bool]) -> str | None:
    """The newest version below the active one that is still stored, if any."""
    return next((version for version in reversed(stack[:-1]) if has(version)), None)


def refuse_if_kept(
    version: str, stack: Sequence[str], has: Callable[[str], bool], location: str
) -> None:
    """Raise `RegistryConflictError` for the active version and the one rollback would restore."""
    if stack and version == stack[-1]:
        raise RegistryConflictError(
            f"{version} is the active version in {location}; activate another before deleting it."
        )
    if version == rollback_target(stack, has):
        raise RegistryConflictError(
            f"{version} is the version `models rollback` would restore, so it is kept; it "
            "can be deleted once a newer version has been activated."
        )
