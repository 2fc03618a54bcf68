"""docker-compose.yml against the Compose spec schema; the Dockerfile installs as the README."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.conftest import REPO

SCHEMA = REPO / "tests" / "vendor" / "compose-spec" / "compose-spec.json"


def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def test_compose_file_matches_the_compose_spec() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert "draft-07" in schema["$schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_compose_service_runs_the_bot_with_volumes_and_health() -> None:
    service = compose()["services"]["bot"]
    assert service["build"] == "."
    assert service["command"] == ["run"]
    assert service["env_file"] == ".env"
    assert service["restart"] == "unless-stopped"
    targets = {v.split(":")[1] for v in service["volumes"]}
    assert {"/app/seeds", "/app/config", "/app/data/index", "/app/data"} <= targets
    assert set(compose()["volumes"]) == {"index", "data"}
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD" and "/app/data/heartbeat" in test[-1]


def test_healthcheck_one_liner_runs(tmp_path: Path) -> None:
    code = compose()["services"]["bot"]["healthcheck"]["test"][-1]
    heartbeat = tmp_path / "heartbeat"
    local = code.replace("/app/data/heartbeat", str(heartbeat))
    assert subprocess.run([sys.executable, "-c", local], capture_output=True).returncode == 1
    heartbeat.write_text("now\n")
    assert subprocess.run([sys.executable, "-c", local], capture_output=True).returncode == 0


def test_paths_agree_with_the_config() -> None:
    """The bundled config resolved at /app/config puts everything where compose mounts it."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    base = Path("/app/config")
    assert (base / config["archive"]["path"]).resolve() == Path("/app/seeds")
    assert (base / config["index"]["path"]).resolve() == Path("/app/data/index")
    assert (base / config["querylog"]["path"]).resolve().parent == Path("/app/data")


def test_dockerfile_installs_like_the_readme() -> None:
    runs = [args for word, args in dockerfile_instructions() if word == "RUN"]
    installs = [r for r in runs if "pip install" in r]
    assert installs == ["pip install ."]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install ." in readme
    steps = dict(dockerfile_instructions())
    assert json.loads(steps["ENTRYPOINT"]) == ["archive-bot"]
    assert json.loads(steps["CMD"]) == ["run"]
    assert "HEALTHCHECK" in steps and steps["STOPSIGNAL"] == "SIGTERM"
