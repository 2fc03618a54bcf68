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
    # the healthcheck reads the bot's own config: it follows the configured paths
    assert service["healthcheck"]["test"] == ["CMD", "archive-bot", "health"]


def test_paths_agree_with_the_config() -> None:
    """The bundled config resolved at /app/config puts everything where compose mounts it."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    base = Path("/app/config")
    assert (base / config["archive"]["path"]).resolve() == Path("/app/seeds")
    assert (base / config["index"]["path"]).resolve() == Path("/app/data/index")
    assert (base / config["querylog"]["path"]).resolve().parent == Path("/app/data")


def test_dockerfile_installs_dependencies_in_a_layer_before_the_code() -> None:
    steps = dockerfile_instructions()
    words = [word for word, _ in steps]
    runs = [args for word, args in steps if word == "RUN"]
    deps = next(i for i, (w, a) in enumerate(steps) if w == "RUN" and "-r " in a)
    code = steps.index(("COPY", "bot ./bot"))
    assert steps[deps - 1] == ("COPY", "pyproject.toml README.md ./")  # only the metadata
    assert deps < code  # a code change leaves the dependency layer cached
    assert "tomllib" in steps[deps][1] and "pyproject.toml" in steps[deps][1]
    code_installs = [r for r in runs if "pip install" in r and "-r " not in r]
    assert len(code_installs) == 1 and "pip install --no-deps ." in code_installs[0]
    assert runs.index(code_installs[0]) > runs.index(steps[deps][1])
    # the BM25 kernel is compiled there (the compiler removed in the same layer)
    assert "import bot.core._postings" in code_installs[0]
    assert "apt-get purge -y gcc" in code_installs[0]
    assert steps.index(("COPY", "setup.py ./")) < steps.index(("RUN", code_installs[0]))
    assert "pip install ." in (REPO / "README.md").read_text(encoding="utf-8")
    assert words.index("USER") < words.index("ENTRYPOINT")
    instructions = dict(steps)
    assert instructions["USER"] not in ("root", "0")
    assert json.loads(instructions["ENTRYPOINT"]) == ["archive-bot"]
    assert json.loads(instructions["CMD"]) == ["run"]
    assert instructions["HEALTHCHECK"].endswith('CMD ["archive-bot", "health"]')
    assert instructions["STOPSIGNAL"] == "SIGTERM"


def test_the_dependency_one_liner_lists_pyproject_dependencies() -> None:
    import tomllib

    (line,) = [a for w, a in dockerfile_instructions() if w == "RUN" and "-r " in a]
    code = re.search(r'python -c "(.+?)" >', line)
    assert code is not None
    done = subprocess.run([sys.executable, "-c", code.group(1)], cwd=REPO,
                          capture_output=True, text=True, check=True)
    wanted = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert done.stdout.split() == wanted


def test_dockerignore_keeps_secrets_and_the_venv_out_of_the_context() -> None:
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", ".git", ".env", "data/"} <= ignored
    for needed in ("bot", "config", "seeds", "pyproject.toml", "README.md"):
        assert needed not in ignored
