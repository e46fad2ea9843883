from __future__ import annotations

import subprocess
import sys

import pytest

from smspartner_analytics.cli import main


def test_import_is_light() -> None:
    code = (
        "import sys, smspartner_analytics, smspartner_analytics.cli; "
        "heavy = {'pandas', 'requests', 'matplotlib', 'ipywidgets'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("fetch", "report", "sandbox", "demo"):
        assert command in out
