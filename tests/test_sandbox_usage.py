"""``smspartner-analytics sandbox`` prints a line to copy: with it (KEY replaced by the key given
with --api-key) ``fetch`` works against the sandbox; the key given is never printed."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

OWN_KEY = "my-own-sandbox-key-81b3"


def _start(folder: Path, *options: str) -> tuple[subprocess.Popen[str], list[str]]:
    argv = [sys.executable, "-m", "smspartner_analytics", "sandbox", "--rentals", "4",
            "--tokens-out", "tokens.csv", *options]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    output: list[str] = []
    while not output or "Ctrl-C" not in output[-1]:
        output.append(proc.stdout.readline())
        if not output[-1]:
            proc.kill()
            pytest.fail("the sandbox ended early: " + "".join(output))
    return proc, output


def _run_printed(folder: Path, line: str, key: str | None) -> subprocess.CompletedProcess[str]:
    """The printed command, as a user pastes it (KEY replaced by ``key`` when given)."""
    words = shlex.split(line.replace("=KEY ", f"={key} ") if key else line)
    settings = dict(w.split("=", 1) for w in words if "=" in w and w.startswith("SMSPARTNER_"))
    command = [w for w in words if not w.startswith("SMSPARTNER_")]
    assert command[:2] == ["smspartner-analytics", "fetch"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "smspartner_analytics", *command[1:], "--rate", "0"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("own", [False, True])
def test_the_printed_line_works_when_copied(tmp_path: Path, own: bool) -> None:
    proc, output = _start(tmp_path, *(["--api-key", OWN_KEY] if own else []))
    try:
        text = "".join(output)
        (line,) = [o.strip() for o in output if "smspartner-analytics fetch" in o]
        if own:
            assert "It accepts only the key you gave with --api-key" in text
            assert "SMSPARTNER_API_KEY=KEY " in line
            assert "anything" not in text
        else:
            assert "it accepts any non-empty key" in text
            assert "SMSPARTNER_API_KEY=anything " in line
        done = _run_printed(tmp_path, line, OWN_KEY if own else None)
        assert done.returncode == 0, done.stderr
        assert "4 succeeded" in done.stdout
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert OWN_KEY not in text + out + err  # never printed
