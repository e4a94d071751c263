"""compose.yaml describes the topology tests/api/test_replicas.py runs (no engine runs here).

It must name only settings and commands that exist, keep the replicas apart
but for the database and the queue, and put nginx in front of the API port.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.main import get_command

from api.settings import Settings
from cli.main import app

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
WALKTALK = ("init", "api", "worker")


def test_the_topology_is_database_queue_init_two_replicas_worker_and_proxy() -> None:
    assert set(SERVICES) == {"db", "redis", "init", "api", "worker", "proxy"}
    assert SERVICES["api"]["deploy"]["replicas"] == 2
    assert SERVICES["init"]["command"] == ["walktalk", "init"]
    assert SERVICES["worker"]["command"] == ["walktalk", "worker"]
    for name in ("api", "worker"):
        assert SERVICES[name]["depends_on"]["init"]["condition"] == "service_completed_successfully"


def test_replicas_share_only_the_database_and_the_queue() -> None:
    for name in WALKTALK:
        env = SERVICES[name]["environment"]
        assert env["WALKTALK_MODEL_STORE"] == "database"
        assert env["WALKTALK_QUEUE_URL"].startswith("redis://redis:")
        assert env["WALKTALK_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "volumes" not in SERVICES[name]  # no shared WALKTALK_HOME


def test_every_setting_named_is_a_real_setting_and_every_command_exists() -> None:
    fields = {f"WALKTALK_{name.upper()}" for name in Settings.model_fields}
    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    for name in WALKTALK:
        assert set(SERVICES[name]["environment"]) <= fields
        assert SERVICES[name]["command"][1] in commands


def test_the_proxy_sends_to_the_port_the_replicas_serve_on() -> None:
    command = SERVICES["api"]["command"]
    port = command[command.index("--port") + 1]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(rf"server api:{port}\b", nginx)
    mounted = [v.split(":")[0] for v in SERVICES["proxy"]["volumes"]]
    assert "./deploy/nginx.conf" in mounted
