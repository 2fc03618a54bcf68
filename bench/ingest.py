"""Ingestion benchmark: the news-page set's token F1, an HTML archive and a WARC built.

Usage::

    python -m bench ingest                          # 100k-paragraph HTML archive, 10,000-page WARC
    python -m bench ingest --paragraphs 20k --warc-pages 1000   # a quicker run

1. Quality: the pages of ``tests/data/newspages`` (48) through the old hand-written extractor
   (``bench/legacy_html.py``, the extractor before trafilatura) and the current ingester:
   token F1, empty pages, dates and titles found.
2. Speed: an HTML archive of pages in the set's 24 layouts, each page three to four of the
   set's bodies long (about 20 paragraphs), is generated into ``bench/out/ingest-html``;
   a fresh child process builds its index as start-up does (the runtime's worker processes),
   and reports build time and peak RSS of the whole process tree (sampled every 50 ms).
   The old extractor's and trafilatura's per-page parse times are measured in-process on the
   same pages, side by side.
3. WARC: a 10,000-page ``.warc.gz`` (plus request records, redirects, images and duplicates,
   one in ten each) is written with FastWARC's own framing into ``bench/out/ingest-warc``,
   read with FastWARC and with warcio (when installed) to compare the readers, and built.

Results go to ``bench/results-ingest.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.generate import OUT, parse_size
from bench.newspages import Extracted, load_pages, score, summary

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
PAGES_DIR = REPO / "tests" / "data" / "newspages"


# ------------------------------------------------------------------------------ quality
def legacy_extract(html: bytes) -> Extracted:
    """The old ingester's HTML path: hand-written extractor, then the capture cleaner;
    a file that is not UTF-8 was skipped."""
    from bench.legacy_html import extract_html
    from bot.core.cleaning import parse_capture
    from bot.core.dates import normalize_date

    try:
        text = html.decode("utf-8")
    except UnicodeDecodeError:
        return Extracted(None, None, ())
    page = extract_html(text)
    drafts = parse_capture("\n\n".join(page.blocks), title_hint=page.title)
    if not drafts:
        return Extracted(None, None, ())
    date = page.meta.get("date")
    return Extracted(drafts[0].title, (normalize_date(date) if date else None) or drafts[0].date,
                     tuple(drafts[0].paragraphs))


def current_extract(html: bytes) -> Extracted:
    from bot.core.htmltext import extract_html
    from bot.core.ingest.encoding import decode

    page = extract_html(decode(html, html=True).text)
    return Extracted(page.title, page.date, tuple(page.paragraphs))


def quality() -> dict[str, Any]:
    pages = load_pages()
    out = {}
    for name, fn in (("legacy", legacy_extract), ("trafilatura", current_extract)):
        scores = score(pages, lambda p, fn=fn: fn(p.html))  # type: ignore[misc]
        out[name] = {k: round(v, 4) for k, v in summary(scores).items()}
    return out


# ---------------------------------------------------------------------------- generation
def _page(number: int) -> bytes:
    sys.path.insert(0, str(PAGES_DIR))
    import make_pages as mp  # type: ignore[import-not-found]

    layout, encoding = mp.LAYOUTS[number % len(mp.LAYOUTS)]
    arts = mp.ARTICLES
    first = dict(arts[number % len(arts)])
    body: list[str] = []
    for k in range(3 + number % 2):
        body.extend(arts[(number * 7 + k * 5) % len(arts)]["body"])  # type: ignore[arg-type]
    first["body"] = [*body, f"This is page {number} of the benchmark archive."]
    first["title"] = f"{first['title']} ({number})"
    html = layout(first, number)
    return html.encode(encoding, errors="replace")


def generate_html(paragraphs: int) -> tuple[Path, int]:
    folder = OUT / f"ingest-html-{paragraphs}"
    marker = folder / ".done"
    if marker.exists():
        return folder, int(marker.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    n, total = 0, 0
    while total < paragraphs:
        data = _page(n)
        (folder / f"{n // 1000:03d}").mkdir(exist_ok=True)
        (folder / f"{n // 1000:03d}" / f"page-{n:06d}.html").write_bytes(data)
        total += 18  # about the paragraphs a page holds (the build counts the real number)
        n += 1
    marker.write_text(str(n))
    return folder, n


def _record(kind: str, uri: str, block: bytes, content_type: str) -> bytes:
    rid = hashlib.sha1(f"{kind}{uri}".encode()).hexdigest()
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{rid[:8]}-{rid[8:12]}-"
            f"{rid[12:16]}-{rid[16:20]}-{rid[20:32]}>\r\nWARC-Date: 2021-05-01T10:00:00Z\r\n"
            f"WARC-Target-URI: {uri}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(block)}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def _http(status: str, ctype: str, payload: bytes) -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}"
            "\r\n\r\n").encode() + payload


class _Members:
    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def write(self, record: bytes) -> None:
        self.raw.write(gzip.compress(record, compresslevel=3))


def generate_warc(pages: int) -> tuple[Path, dict[str, int]]:
    folder = OUT / f"ingest-warc-{pages}"
    path = folder / "crawl.warc.gz"
    counts = {"pages": pages, "requests": 0, "redirects": 0, "images": 0, "duplicates": 0}
    marker = folder / ".done"
    if marker.exists():
        return folder, json.loads(marker.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with open(path, "wb") as raw:  # one gzip member per record, as WARC tools expect
        out = _Members(raw)
        for n in range(pages):
            uri = f"https://news.example.com/{n // 100}/story-{n}"
            page = _page(n)
            if n % 10 == 0:
                out.write(_record("request", uri, f"GET /{n} HTTP/1.1\r\n\r\n".encode(),
                                  "application/http; msgtype=request"))
                counts["requests"] += 1
            out.write(_record("response", uri, _http("200 OK", "text/html; charset=utf-8"
                                                     if n % 16 < 14 else "text/html", page),
                              "application/http; msgtype=response"))
            if n % 10 == 3:
                out.write(_record("response", uri + "?amp", _http("200 OK", "text/html",
                                                                 page),
                                  "application/http; msgtype=response"))
                counts["duplicates"] += 1
            if n % 10 == 5:
                out.write(_record("response", uri + "/old", _http("301 Moved", "text/html",
                                                                 b""),
                                  "application/http; msgtype=response"))
                counts["redirects"] += 1
            if n % 10 == 7:
                out.write(_record("response", uri + ".png", _http("200 OK", "image/png",
                                                                 b"\x89PNG" * 200),
                                  "application/http; msgtype=response"))
                counts["images"] += 1
    marker.write_text(json.dumps(counts))
    return folder, counts


# ----------------------------------------------------------------------------- measuring
# The build child: only the standard library and ``bot``'s public API, so the same code
# builds with this tree or with an older one (``--legacy-tree``: the extractor before
# trafilatura, for a side-by-side build of the same archive).
_CHILD = r"""
import hashlib, json, os, resource, shutil, sys, threading, time
from pathlib import Path
from bot.config import Settings, with_section
from bot.runtime.workers import open_archive

folder, index = Path(sys.argv[1]), Path(sys.argv[2])

def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0

def tree_kb():
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parent[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    todo, tree = [os.getpid()], [os.getpid()]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        tree += kids
        todo += kids
    return sum(rss_kb(p) for p in tree)

settings = with_section(Settings(), "archive", path=folder, metadata=None)
settings = with_section(settings, "index", path=index)
shutil.rmtree(index, ignore_errors=True)
peak, stop = [0], threading.Event()
def sample():
    while not stop.wait(0.05):
        peak[0] = max(peak[0], tree_kb())
threading.Thread(target=sample, daemon=True).start()
started = time.perf_counter()
archive, report = open_archive(settings)
seconds = time.perf_counter() - started
stop.set()
h = hashlib.sha256()
for path in sorted(p for p in index.rglob("*.npy")):
    h.update(path.name.encode()); h.update(path.read_bytes())
main_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"build_s": round(seconds, 2), "documents": report.documents,
                  "paragraphs": report.paragraphs, "skipped_lines": len(report.skipped),
                  "skipped": [str(s) for s in report.skipped][:10],
                  "peak_rss_tree_mb": round(max(peak[0], main_kb) / 1024, 1),
                  "peak_rss_main_mb": round(main_kb / 1024, 1),
                  "index_sha256": h.hexdigest()[:16]}))
"""


def run_child(folder: Path, index: Path, tree: Path = REPO) -> dict[str, Any]:
    """Build ``folder`` into ``index`` in a fresh process, with the ``bot`` of ``tree``."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(index)], cwd=tree,
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def per_page_ms(folder: Path, sample: int = 200) -> dict[str, float]:
    files = sorted(folder.rglob("*.html"))[:sample]
    data = [f.read_bytes() for f in files]
    out = {}
    for name, fn in (("legacy", legacy_extract), ("trafilatura", current_extract)):
        started = time.perf_counter()
        for d in data:
            fn(d)
        out[name] = round((time.perf_counter() - started) * 1000 / len(data), 2)
    return out


def warc_readers(path: Path) -> dict[str, float | None]:
    from fastwarc.warc import ArchiveIterator

    out: dict[str, float | None] = {}
    started = time.perf_counter()
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, parse_http=True):
            record.reader.read()
    out["fastwarc_s"] = round(time.perf_counter() - started, 3)
    try:
        from warcio.archiveiterator import ArchiveIterator as WarcioIterator
    except ImportError:
        out["warcio_s"] = None
        return out
    started = time.perf_counter()
    with open(path, "rb") as stream:
        for rec in WarcioIterator(stream):
            rec.content_stream().read()
    out["warcio_s"] = round(time.perf_counter() - started, 3)
    return out


# ------------------------------------------------------------------------------- report
def write_results(result: dict[str, Any]) -> None:
    (ROOT / "results-ingest.json").write_text(json.dumps(result, indent=1) + "\n")
    q, h, w = result["quality"], result["html"], result["warc"]
    lines = [
        "# Ingestion benchmark", "",
        f"`python -m bench ingest` on {result['machine']}; {result['date']}.", "",
        f"## Quality: the {q['trafilatura']['pages']}-page news set (tests/data/newspages)", "",
        "| extractor | token F1 | precision | recall | empty pages | dates | titles |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in q.items():
        lines.append(f"| {name} | {s['f1']:.3f} | {s['precision']:.3f} | {s['recall']:.3f} | "
                     f"{s['empty']} | {s['dates']:.0%} | {s['titles']:.0%} |")
    lines += ["", f"## HTML archive: {h['pages']} pages, {h['build']['paragraphs']} paragraphs",
              "", f"Per page, in-process (first 200 pages): old extractor "
              f"{h['per_page_ms']['legacy']} ms, trafilatura {h['per_page_ms']['trafilatura']} "
              "ms.", "",
              "| build | seconds | peak RSS, main + workers (MB) | peak RSS main (MB) |",
              "| --- | --- | --- | --- |",
              f"| trafilatura, worker processes | {h['build']['build_s']} | "
              f"{h['build']['peak_rss_tree_mb']} | {h['build']['peak_rss_main_mb']} |",
              *([f"| old hand-written extractor ({h['legacy_build']['documents']} documents, "
                 f"{h['legacy_build']['paragraphs']} paragraphs) | "
                 f"{h['legacy_build']['build_s']} | {h['legacy_build']['peak_rss_tree_mb']} | "
                 f"{h['legacy_build']['peak_rss_main_mb']} |"] if h["legacy_build"] else []),
              "",
              f"Two builds give the same index: {h['deterministic']}.", "",
              f"## WARC: {w['counts']['pages']} pages in one .warc.gz", "",
              f"Records besides the pages: {w['counts']}. Skip lines in the report: "
              f"{w['build']['skipped_lines']}.", "",
              f"Reading every record: FastWARC {w['readers']['fastwarc_s']} s, warcio "
              f"{w['readers']['warcio_s']} s.", "",
              f"Build: {w['build']['build_s']} s, {w['build']['documents']} articles, "
              f"{w['build']['paragraphs']} paragraphs, peak RSS {w['build']['peak_rss_tree_mb']}"
              " MB (one file is one job: a single WARC is parsed in one process).", ""]
    (ROOT / "results-ingest.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--paragraphs", default="100k", help="HTML archive size (paragraphs)")
    parser.add_argument("--warc-pages", type=int, default=10_000)
    parser.add_argument("--legacy-tree", type=Path, default=None,
                        help="a checkout of the tree before trafilatura (git archive 20fa4a6 "
                             "bot config | tar -x -C DIR): its build of the same HTML archive "
                             "is put beside ours")
    args = parser.parse_args(argv)
    paragraphs = parse_size(args.paragraphs)
    result: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
                              "date": time.strftime("%Y-%m-%d")}
    result["quality"] = quality()
    print(json.dumps(result["quality"]), flush=True)
    folder, pages = generate_html(paragraphs)
    first = run_child(folder, OUT / "ingest-html-index")
    second = run_child(folder, OUT / "ingest-html-index")
    result["html"] = {"pages": pages, "per_page_ms": per_page_ms(folder), "build": first,
                      "deterministic": first["index_sha256"] == second["index_sha256"],
                      "second_build_s": second["build_s"],
                      "legacy_build": (run_child(folder, OUT / "ingest-html-legacy-index",
                                                 args.legacy_tree)
                                       if args.legacy_tree else None)}
    print(json.dumps(result["html"]), flush=True)
    warc_folder, counts = generate_warc(args.warc_pages)
    result["warc"] = {"counts": counts,
                      "readers": warc_readers(warc_folder / "crawl.warc.gz"),
                      "build": run_child(warc_folder, OUT / "ingest-warc-index")}
    print(json.dumps(result["warc"]), flush=True)
    write_results(result)
    return 0
