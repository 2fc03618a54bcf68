"""Web archives, compressed files and newline-separated jsonl: each HTML response of a WARC
is an article (target URI as url, the record date as fallback date); request and metadata
records, redirects, non-HTML payloads and duplicate payloads are skipped and counted."""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path

import pytest

from bot.core.ingest import list_archive, parse_file
from bot.errors import IngestError

BODY = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        "<p>The harbour bridge will be rebuilt after the council voted for the plan on "
        "Thursday evening, ending a decade of arguments.</p><p>{extra} Engineers said the "
        "steel had corroded faster than expected.</p></article></body></html>")


def record(kind: str, uri: str, block: bytes, date: str = "2020-01-02T03:04:05Z",
           content_type: str = "application/http; msgtype=response") -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{uuid.UUID(int=len(uri))}>"
            f"\r\nWARC-Date: {date}\r\nWARC-Target-URI: {uri}\r\nContent-Type: {content_type}"
            f"\r\nContent-Length: {len(block)}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def http(status: str, content_type: str, payload: bytes, extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}Content-Length: "
            f"{len(payload)}\r\n\r\n").encode() + payload


def page(title: str, extra: str = "") -> bytes:
    return BODY.format(title=title, extra=extra).encode()


def crawl() -> bytes:
    return b"".join([
        record("warcinfo", "", b"software: test\r\n", content_type="application/warc-fields"),
        record("request", "https://ex.com/a", b"GET /a HTTP/1.1\r\n\r\n",
               content_type="application/http; msgtype=request"),
        record("response", "https://ex.com/a", http("200 OK", "text/html; charset=utf-8",
                                                     page("Bridge vote"))),
        record("response", "https://ex.com/old", http("301 Moved Permanently", "text/html",
                                                       b"", "Location: https://ex.com/a\r\n")),
        record("response", "https://ex.com/logo.png", http("200 OK", "image/png", b"\x89PNG")),
        record("response", "https://ex.com/a?ref=x", http("200 OK", "text/html",
                                                          page("Bridge vote"))),
        record("response", "https://ex.com/b", http("200 OK", "text/html",
                                                    page("Caf\xe9 vote", "Caf\xe9s shut.")
                                                    .replace(b"\xc3\xa9", b"\xe9"))),
        record("metadata", "https://ex.com/a", b"via: x\r\n",
               content_type="application/warc-fields"),
    ])


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_pages_become_articles_and_the_rest_is_counted(tmp_path: Path, name: str) -> None:
    data = crawl()
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    articles, skipped = parse_file(tmp_path / name, tmp_path)
    assert [(a.doc_id, a.title, a.url, a.date) for a in articles] == [
        ("crawl#3", "Bridge vote", "https://ex.com/a", "2020-01-02"),
        ("crawl#7", "Café vote", "https://ex.com/b", "2020-01-02"),
    ]
    assert articles[1].paragraphs[1].startswith("Cafés shut.")
    reasons = sorted(s.reason for s in skipped)
    assert reasons == [
        "1 WARC record skipped: duplicate payload (same digest as an earlier record) "
        "(https://ex.com/a?ref=x)",
        "1 WARC record skipped: metadata record, not a page (https://ex.com/a)",
        "1 WARC record skipped: not HTML (image/png) (https://ex.com/logo.png)",
        "1 WARC record skipped: redirect (HTTP 301) (https://ex.com/old)",
        "1 WARC record skipped: request record, not a page (https://ex.com/a)",
        "1 WARC record skipped: warcinfo record, not a page",
    ]


def test_a_truncated_warc_keeps_the_pages_before_the_break(tmp_path: Path) -> None:
    data = crawl()
    cut = data.index(b"WARC/1.0", data.index(b"https://ex.com/logo.png"))
    (tmp_path / "cut.warc").write_bytes(data[: cut + 40])
    articles, _ = parse_file(tmp_path / "cut.warc", tmp_path)
    assert [a.doc_id for a in articles] == ["cut#3"]


def test_a_file_that_is_not_a_warc(tmp_path: Path) -> None:
    (tmp_path / "x.warc").write_bytes(b"hello, not a web archive\n")
    with pytest.raises(IngestError):
        parse_file(tmp_path / "x.warc", tmp_path)


def test_compressed_html_text_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "p.html.gz").write_bytes(gzip.compress(page("Bridge vote")))
    (tmp_path / "t.txt.gz").write_bytes(gzip.compress(
        b"Bridge vote\n\nThe council voted for the new bridge on Thursday evening.\n"))
    line = {"id": "j1", "title": "Bridge", "text": "First paragraph here.\nSecond one."}
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(json.dumps(line).encode()))
    (tmp_path / "bad.txt.gz").write_bytes(b"not gzip at all")
    listing = list_archive(tmp_path)
    assert [p.name for p in listing.files] == ["a.jsonl.gz", "bad.txt.gz", "p.html.gz",
                                               "t.txt.gz"]
    (html,), _ = parse_file(tmp_path / "p.html.gz", tmp_path)
    assert (html.doc_id, html.title) == ("p", "Bridge vote")
    (text,), _ = parse_file(tmp_path / "t.txt.gz", tmp_path)
    assert text.doc_id == "t" and text.title == "Bridge vote"
    (record_,), _ = parse_file(tmp_path / "a.jsonl.gz", tmp_path)
    assert record_.paragraphs == ("First paragraph here.", "Second one.")
    with pytest.raises(IngestError, match="not gzip data"):
        parse_file(tmp_path / "bad.txt.gz", tmp_path)


def test_jsonl_text_with_blank_lines_keeps_its_paragraphs(tmp_path: Path) -> None:
    line = {"text": "One line\nwrapped.\n\nSecond paragraph."}
    (tmp_path / "a.jsonl").write_text(json.dumps(line), encoding="utf-8")
    (article,), _ = parse_file(tmp_path / "a.jsonl", tmp_path)
    assert article.paragraphs == ("One line wrapped.", "Second paragraph.")


def test_a_windows_1252_page_is_decoded_as_declared(tmp_path: Path) -> None:
    html = page("Caf\xe9 vote", "\u201cCaf\xe9s shut,\u201d she said.").decode()
    html = html.replace("<head>", "<head><meta charset='windows-1252'>")
    (tmp_path / "p.html").write_bytes(html.encode("cp1252"))
    (article,), _ = parse_file(tmp_path / "p.html", tmp_path)
    assert article.title == "Caf\xe9 vote"
    assert article.paragraphs[1].startswith("\u201cCaf\xe9s shut,\u201d she said.")


def test_a_record_the_extractor_fails_on_is_skipped_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core.ingest import warc

    real = warc.extract_html

    def flaky(text: str, **kwargs: object) -> object:
        if "Café" in text:
            raise TypeError("extractor bug")
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(warc, "extract_html", flaky)
    (tmp_path / "c.warc").write_bytes(crawl())
    articles, skipped = parse_file(tmp_path / "c.warc", tmp_path)
    assert [a.doc_id for a in articles] == ["c#3"]
    assert ("1 WARC record skipped: could not be parsed (TypeError) (https://ex.com/b)"
            in [s.reason for s in skipped])
