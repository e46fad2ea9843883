"""Secrets (docs/promises.md): a unique fake key through every failure path, then a byte scan.

``test_the_key_appears_nowhere_on_any_failure_path`` uses a key with URL-reserved characters
(``+ / = & %``), so that a server echoing the request shows it raw, percent-encoded (``quote`` and
``quote_plus``) or HTML-escaped, and runs the Client through every kind of failure
(the key refused, HTTP 401/403/429/5xx, HTML, truncated and huge bodies, resets, a hanging server,
a redirect, a proxy page that echoes the request line with the key, a refused connection), a batch
through ``fetch_statuses`` into a store, ``load_frames`` and ``write_report`` (workbook and page
included), and the CLI ``fetch`` and ``report`` as subprocesses with DEBUG logging. It then scans
every byte produced: str/repr and tracebacks of each exception with its whole chain, each log
record (message and args), warnings, stdout/stderr, and every file written (the store with its
``-wal`` and ``-shm``, CSVs, PNGs, ``report.html``, and each member of ``report.xlsx`` unzipped),
for every form of the key (upper- and lower-case percent-escapes included).

The hygiene tests run ``scripts/check-hygiene`` (what CI runs) on a throwaway git repository with a
tracked ``.env`` or a notebook with outputs, and on this repository.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import traceback
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from smspartner_analytics.client.http import Client, RetryPolicy
from smspartner_analytics.core.errors import SMSPartnerError
from smspartner_analytics.core.redaction import secret_forms
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.report.writer import write_report
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

ROOT = Path(__file__).resolve().parents[1]
FAULTS = [
    "fault-echo", "fault-echo-raw", "fault-429", "fault-429-ra-999", "fault-429-ra-abc-then-ok-1",
    "fault-500", "fault-503-then-ok-1", "fault-html", "fault-html-502", "fault-truncated",
    "fault-reset", "fault-badjson", "fault-wrongshape", "fault-huge", "fault-huge-chunked",
    "fault-hang", "fault-401", "fault-403", "fault-404", "fault-redirect", "fault-code-1",
    "fault-code-10", "fault-code-31", "fault-code-77", "unknown-token", "",
]  # fmt: skip
BATCH_FAULTS = [
    "fault-echo", "fault-echo-raw", "fault-html", "fault-500", "fault-truncated", "fault-code-77",
]  # fmt: skip
_CLI = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
    "from smspartner_analytics.cli import main; sys.exit(main())"
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        link = todo.pop()
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        todo += [e for e in (link.__cause__, link.__context__) if e is not None]


class Haystack:
    """Everything the toolkit produced, by where it came from."""

    def __init__(self) -> None:
        self.places: list[tuple[str, bytes]] = []

    def text(self, where: str, text: str) -> None:
        self.places.append((where, text.encode("utf-8", errors="replace")))

    def exception(self, where: str, exc: BaseException) -> None:
        for link in _chain(exc):
            self.text(f"{where}: str", str(link))
            self.text(f"{where}: repr", repr(link))
            self.text(f"{where}: attributes", repr(vars(link)))
        self.text(f"{where}: traceback", "".join(traceback.format_exception(exc)))

    def files(self, where: str, root: Path) -> int:
        found = [p for p in root.rglob("*") if p.is_file()]
        for path in found:
            self.places.append((f"{where}: {path.relative_to(root)}", path.read_bytes()))
            if path.suffix == ".xlsx":  # a zip: its compressed bytes would hide a key
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        self.places.append((f"{where}: {path.name}/{member}", archive.read(member)))
        return len(found)

    def logs(self, records: list[logging.LogRecord]) -> None:
        for record in records:
            self.text(f"log {record.name}", record.getMessage())
            self.text(f"log {record.name} args", repr(record.args))
            if record.exc_info:
                self.text(
                    f"log {record.name} exc", "".join(traceback.format_exception(*record.exc_info))
                )

    def leaks(self, key: str, *pieces: str) -> list[str]:
        """Where any form of ``key`` (raw, escaped, percent-encoded in either hex case) or any of
        ``pieces`` (parts of it that a half redaction would leave) shows."""
        forms = set(secret_forms(key)) | set(pieces)
        forms |= {f.lower() for f in forms if "%" in f} | {f.upper() for f in forms if "%" in f}
        return [
            f"{where} ({form})"
            for where, data in self.places
            for form in forms
            if form.encode() in data
        ]


def _client_failures(key: str, hay: Haystack) -> int:
    """Every failure kind through ``Client.get_status``; returns how many errors were seen."""
    errors = 0
    with sandbox(rentals=5, api_key=key) as url:
        client = Client(
            api_key=key, base_url=url, timeout=0.3, rate=None,
            retry=RetryPolicy(attempts=2, backoff_base=0.001, retry_after_cap=5),
        )  # fmt: skip
        with client:
            hay.text("client repr", repr(client))
            for token in [*FAULTS, url.server.tokens[0]]:
                try:
                    answer = client.get_status(token)
                except SMSPartnerError as exc:
                    hay.exception(f"get_status({token!r})", exc)
                    errors += 1
                else:
                    hay.text(f"answer {token!r}", repr(answer))
    with sandbox(rentals=5, api_key="the-right-one") as url, Client(api_key=key, base_url=url) as c:
        try:
            c.get_status(url.server.tokens[0])
        except SMSPartnerError as exc:
            hay.exception("refused key", exc)
            errors += 1
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    for base_url in (closed, "http://example.com/v1"):
        try:
            policy = RetryPolicy(attempts=2, backoff_base=0.001)
            with Client(api_key=key, base_url=base_url, retry=policy) as c:
                c.get_status("abc")
        except SMSPartnerError as exc:
            hay.exception(f"client at {base_url}", exc)
            errors += 1
    return errors


def _batch(key: str, hay: Haystack, folder: Path) -> None:
    """``fetch_statuses`` into a store (scanned while open, WAL included), frames, report."""
    folder.mkdir()
    with sandbox(rentals=12, api_key=key) as url:
        tokens = [*url.server.tokens, *BATCH_FAULTS, "unknown-token"]
        policy = RetryPolicy(attempts=2, backoff_base=0.001)
        client = Client(api_key=key, base_url=url, retry=policy, rate=None)
        with client, Store(folder / "store.sqlite") as store:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = fetch_statuses(tokens, client=client, store=store, progress=False)
            hay.text("fetch warnings", "\n".join(str(w.message) for w in caught))
            hay.text("fetch result", f"{result!r} {result.summary()} {result.records!r}")
            try:
                fetch_statuses(tokens, client=client, store=store, refresh=True, errors="raise")
            except SMSPartnerError as exc:
                hay.exception("fetch errors=raise", exc)
            assert any(p.name.endswith("-wal") for p in folder.iterdir())
            hay.files("store open", folder)
            frames = load_frames(store)
        try:
            fetch_statuses(tokens, api_key="wrong", base_url=url, store=folder / "other.sqlite")
        except SMSPartnerError as exc:
            hay.exception("fetch with a refused key", exc)
    for name in ("rentals", "localisations", "errors", "history"):
        hay.text(f"frame {name}", getattr(frames, name).to_csv())
    assert len(frames.errors) >= len(BATCH_FAULTS)
    write_report(frames, folder / "report", xlsx=True, html=True)
    write_report(frames, folder / "report-excel", excel=True)
    assert hay.files("batch files", folder) > 6


def _cli(key: str, hay: Haystack, folder: Path) -> None:
    """The CLI ``fetch`` (right key, then a refused one) and ``report``, as real processes."""
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = key
    tokens = [
        "fault-echo", "fault-echo-raw", "fault-html", "fault-500-then-ok-1", "fault-code-77",
        "unknown",
    ]  # fmt: skip
    with sandbox(rentals=8, api_key=key) as url:
        (folder / "t.txt").write_text("\n".join([*url.server.tokens, *tokens]), "utf-8")
        commands = [
            ["fetch", "t.txt", "--base-url", url, "--rate", "0"],
            ["report", "--out", "report", "--xlsx", "--html"],
            ["report", "--out", "report-excel", "--excel"],
            ["fetch", "t.txt", "--base-url", url, "--store", "refused.sqlite"],
        ]
        for number, args in enumerate(commands):
            if number == 3:
                env["SMSPARTNER_API_KEY"] = key[::-1]  # refused: the message must not echo it
            done = subprocess.run(
                [sys.executable, "-c", _CLI, *args], cwd=folder, env=env, capture_output=True,
                text=True, timeout=120,
            )  # fmt: skip
            hay.text(f"cli {args[0]} stdout", done.stdout)
            hay.text(f"cli {args[0]} stderr", done.stderr)
            assert "Traceback" not in done.stderr, done.stderr
            assert done.returncode in (0, 3, 4), done.stderr
    hay.files("cli files", folder)


@pytest.mark.slow
def test_the_key_appears_nowhere_on_any_failure_path(
    tmp_path: Path,
    fake_key: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    head, tail = fake_key[:20], fake_key[20:]
    key = f"{head}+b/c=d&{tail}%f"  # URL-reserved characters: it travels encoded
    hay = Haystack()
    assert _client_failures(key, hay) >= len(FAULTS) - 2
    _batch(key, hay, tmp_path / "batch")
    _cli(key, hay, tmp_path / "cli")
    out, err = capsys.readouterr()
    hay.text("stdout", out)
    hay.text("stderr", err)
    hay.logs(caplog.records)
    # the scan is real: the echo page carried the request line, the logs the redacted URL
    assert any("apiKey=***" in r.getMessage() for r in caplog.records)
    assert any(b"apiKey=***" in data for where, data in hay.places if "fault-echo" in where)
    assert any(where.endswith(".png") for where, _ in hay.places)
    assert any(where.endswith("-wal") for where, _ in hay.places)
    # the scan would see each form: the pages echoed the key encoded and raw before redaction
    assert {quote_plus(key), key} <= set(secret_forms(key))
    assert hay.leaks(key, tail) == []  # nothing left after the "&" either


# -- repository hygiene (docs/promises.md, Secrets) -----------------------------------------


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=30)


def _hygiene(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(repo / "scripts" / "check-hygiene")],
        cwd=repo, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _notebook(outputs: bool) -> str:
    cell: dict[str, object] = {
        "cell_type": "code", "metadata": {}, "source": ["1 + 1"],
        "execution_count": 1 if outputs else None,
        "outputs": [{"output_type": "execute_result", "data": {"text/plain": ["2"]},
                     "metadata": {}, "execution_count": 1}] if outputs else [],
    }  # fmt: skip
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    shutil.copy(ROOT / "scripts" / "check-hygiene", repo / "scripts" / "check-hygiene")
    _git(repo, "init", "-q")
    (repo / "notebooks" / "clean.ipynb").write_text(_notebook(False), "utf-8")
    _git(repo, "add", "scripts", "notebooks")
    return repo


def test_hygiene_passes_on_a_clean_repository(scratch_repo: Path) -> None:
    (scratch_repo / ".env").write_text("SMSPARTNER_API_KEY=x\n", "utf-8")  # present, not tracked
    done = _hygiene(scratch_repo)
    assert done.returncode == 0, done.stderr
    assert "hygiene ok" in done.stdout


def test_hygiene_fails_on_a_tracked_env_file(scratch_repo: Path) -> None:
    (scratch_repo / "config").mkdir()
    (scratch_repo / "config" / ".env").write_text("SMSPARTNER_API_KEY=x\n", "utf-8")
    _git(scratch_repo, "add", "config/.env")
    done = _hygiene(scratch_repo)
    assert done.returncode == 1
    assert "A .env file is tracked" in done.stderr


def test_hygiene_fails_on_a_notebook_with_outputs(scratch_repo: Path) -> None:
    (scratch_repo / "notebooks" / "dirty.ipynb").write_text(_notebook(True), "utf-8")
    _git(scratch_repo, "add", "notebooks/dirty.ipynb")
    done = _hygiene(scratch_repo)
    assert done.returncode == 1
    assert "notebooks/dirty.ipynb is committed with outputs" in done.stderr
    assert "clean.ipynb" not in done.stderr


def test_hygiene_passes_on_this_repository() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git work tree")
    done = _hygiene(ROOT)
    assert done.returncode == 0, done.stderr
