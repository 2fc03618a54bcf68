"""An answer is a pure function of archive, settings and question: the same under any
``PYTHONHASHSEED`` (no set or dict iteration order leaks into scores, ties or text)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_ask import NOT_FOUND, QUESTIONS
from tests.test_ask_seeds import NOT_ANSWERED, ONE, TWO

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys
from pathlib import Path
from tests.conftest import settings_for
from bot.core.build import open_archive
from bot.core.answers import ask
from bot.core.requests import AskRequest
from bot.core.snapshot import Snapshot

archive, _ = open_archive(settings_for(Path(sys.argv[1])))
snapshot = Snapshot(archive)
out = []
for question in json.loads(sys.stdin.read()):
    a = ask(snapshot, AskRequest.parse(archive.settings, question))
    out.append([question, a.found, a.message, a.confidence,
                [[s.citation.doc_id, s.citation.paragraph] for s in a.sentences],
                [[b.start, b.end] if b else None for b in a.bold]])
print(json.dumps(out))
"""


def _values(param: object) -> tuple[object, ...]:
    """A table row's values, whether plain or a ``pytest.param``."""
    values = getattr(param, "values", None)
    if values is not None:
        return tuple(values)
    return param if isinstance(param, tuple) else (param,)


def _answers(seed: str, index: Path, questions: list[str]) -> list[object]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(index)], input=json.dumps(questions),
                          capture_output=True, text=True, cwd=REPO, env=env, check=True,
                          timeout=300)
    answers: list[object] = json.loads(done.stdout)
    return answers


def test_answers_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    questions = [q for q, _, _ in QUESTIONS] + NOT_FOUND + [
        str(_values(p)[0]) for p in [*ONE, *TWO, *NOT_ANSWERED]]
    first = _answers("0", tmp_path / "a", questions)
    second = _answers("1", tmp_path / "b", questions)
    assert len(first) == len(questions)
    assert first == second
