"""One writer per store: a second fetch on a store another one is writing stops at once, in one
line, with its own exit code; a killed fetch never leaves the store locked; readers never wait."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mounts import read_only_view

from smspartner_analytics.cli import EXIT_BUSY, EXIT_OK
from smspartner_analytics.core.errors import ReadOnlyStoreError, StoreBusyError
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.fetch.lock import lock_path, one_writer
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.server import SandboxURL, sandbox
from smspartner_analytics.store.db import Store

KEY = "lock-key-5e1d0c9b7a"
_CLI = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = KEY
    return env


def _fetch_args(url: SandboxURL, *more: str) -> list[str]:
    return [sys.executable, "-c", _CLI, "fetch", "t.csv", "--store", "big.sqlite",
            "--base-url", url, "--rate", "0", *more]  # fmt: skip


def _wait_for_requests(url: SandboxURL, proc: subprocess.Popen[str], count: int) -> None:
    deadline = time.monotonic() + 60
    while url.server.request_count() < count and proc.poll() is None:
        assert time.monotonic() < deadline, "the first fetch never started asking"
        time.sleep(0.05)


def test_second_fetch_stops_at_once_and_a_killed_one_leaves_no_lock(tmp_path: Path) -> None:
    store = tmp_path / "big.sqlite"
    with sandbox(rentals=60, seed=5, latency_ms=400) as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        first = subprocess.Popen(
            _fetch_args(url, "--refresh", "--workers", "1"),
            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            _wait_for_requests(url, first, 2)
            second = subprocess.run(
                _fetch_args(url, "--refresh"),
                cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            watcher = subprocess.run(
                _fetch_args(url, "--watch", "--every", "10s"),
                cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            # readers are never blocked while the first one writes
            assert len(load_frames(store).history) >= 1
            with Store(store, read_only=True) as reader:
                assert reader.count_answers() >= 1
            assert first.poll() is None, "the first fetch ended before the others tried"
            asked = {t: url.server.request_count(t) for t in url.server.tokens}
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
            first.stdout.close()  # type: ignore[union-attr]
            first.stderr.close()  # type: ignore[union-attr]
        line = re.compile(
            rf"error: another fetch \(pid {first.pid}, started (\d{{4}}-\d\d-\d\d )?\d\d:\d\d\) "
            rf"is writing {re.escape(str(store))}: wait for it to finish or stop it\.\n"
        )
        for refused in (second, watcher):
            assert refused.returncode == EXIT_BUSY, refused.stderr
            assert line.fullmatch(refused.stderr), refused.stderr
            assert refused.stdout == ""
        # the first asked the tokens in order, one at a time: a second fetch would have asked
        # the first tokens again
        assert max(asked.values()) == 1, asked
        assert lock_path(store).exists()  # SIGKILL leaves the file, never the lock

        url.server.latency_ms = 0
        again = subprocess.run(
            _fetch_args(url), cwd=tmp_path, env=_env(), capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
    assert again.returncode == EXIT_OK, again.stderr
    assert again.stdout.startswith("60 tokens: ")
    assert not lock_path(store).exists()  # a clean end removes it
    with Store(store, read_only=True) as reader:
        assert len(reader.latest_records()) == 60


def test_another_thread_is_refused_and_the_same_thread_may_nest(
    sandbox_url: SandboxURL, tmp_path: Path
) -> None:
    store = tmp_path / "s.sqlite"
    tokens = sandbox_url.server.tokens[:3]
    refused: list[BaseException] = []

    def other() -> None:
        try:
            fetch_statuses(tokens, store=store, progress=False, api_key=KEY, base_url=sandbox_url)
        except StoreBusyError as exc:
            refused.append(exc)

    with one_writer(store):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=60)
        before = sandbox_url.server.request_count()
        result = fetch_statuses(  # nested in the same thread, as watch's rounds are
            tokens, store=store, progress=False, api_key=KEY, base_url=sandbox_url
        )
        assert lock_path(store).exists()  # still held by the outer block
    assert len(refused) == 1
    assert f"(pid {os.getpid()}, started " in str(refused[0])
    assert result.asked == 3
    assert sandbox_url.server.request_count() == before + 3
    assert not lock_path(store).exists()


def test_read_only_folder_makes_no_lock_and_reads_still_work(
    sandbox_url: SandboxURL, tmp_path: Path
) -> None:
    source = tmp_path / "data"
    source.mkdir()
    fetch_statuses(sandbox_url.server.tokens[:2], store=source / "s.sqlite", progress=False,
                   api_key=KEY, base_url=sandbox_url)  # fmt: skip
    with read_only_view(source, tmp_path / "ro") as view:
        path = view / "s.sqlite"
        with pytest.raises(ReadOnlyStoreError):
            fetch_statuses(sandbox_url.server.tokens[:2], store=path, progress=False,
                           api_key=KEY, base_url=sandbox_url)  # fmt: skip
        assert len(load_frames(path).rentals) == 2
        assert not lock_path(path).exists()
