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
    assert service["build"]["context"] == "."
    assert "profiles" not in service  # `docker compose up` starts it
    assert service["command"] == ["run"]
    assert service["env_file"] == ".env"
    assert service["restart"] == "unless-stopped"
    targets = {v.split(":")[1] for v in service["volumes"]}
    assert {"/app/seeds", "/app/config", "/app/data/index", "/app/data"} <= targets
    assert {"index", "data"} <= set(compose()["volumes"])
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


def _cluster_env() -> dict[str, str]:
    """The cluster settings .env.example suggests (its commented KEY=value lines)."""
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    pairs = (ln.lstrip("# ").partition("=") for ln in lines if re.match(r"#\s*[A-Z_]+=", ln))
    return {key: value for key, _, value in pairs}


def test_the_cluster_profile_adds_the_engines_beside_the_bot() -> None:
    services = compose()["services"]
    cluster = {name for name, s in services.items() if "cluster" in s.get("profiles", ())}
    assert cluster == {"bot-b", "ray-head", "postgres", "redis"}
    assert services["ray-head"]["image"] == services["bot"]["image"]  # same Ray, same code
    assert "index:/app/data/index" in services["ray-head"]["volumes"]  # reads the shards
    env = _cluster_env()
    assert services["bot-b"]["environment"]["ARCHIVE_BOT_DISCORD__SHARD_IDS"].startswith(
        "${BOT_B_SHARD_IDS")
    assert set(env["ARCHIVE_BOT_EXTRAS"].split(",")) == {"cluster", "postgresql", "redis"}
    assert "POSTGRES_PASSWORD" in env


def test_the_suggested_cluster_settings_are_valid_settings() -> None:
    from bot.config import load_settings

    env = {k: v for k, v in _cluster_env().items() if k.startswith("ARCHIVE_BOT_")
           and k != "ARCHIVE_BOT_EXTRAS" and k != "ARCHIVE_BOT_CONFIG"}
    settings = load_settings(REPO / "config" / "config.yaml", environ=env)
    assert settings.index.engine == "ray" and settings.index.shards == 2
    assert settings.discord.shard_count == 4 and settings.discord.shard_ids == [0, 1]
    assert settings.querylog.url is not None and settings.querylog.url.startswith("postgresql://")
    assert settings.ray.address == "ray://ray-head:10001"  # Ray Client: a driver off the cluster
    assert settings.redis.url == "redis://redis:6379/0"
    bot_b = _cluster_env()["BOT_B_SHARD_IDS"]  # what bot-b's environment sets
    other = load_settings(REPO / "config" / "config.yaml",
                          environ={**env, "ARCHIVE_BOT_DISCORD__SHARD_IDS": bot_b})
    assert other.discord.shard_ids == [2, 3]
