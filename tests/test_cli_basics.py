from __future__ import annotations

import subprocess
import sys

import pytest

import smspartner_analytics as sa
from smspartner_analytics.cli import main


def test_public_names_are_pinned() -> None:
    assert sorted(sa.__all__) == sorted(
        [
            "APIError",
            "AuthenticationError",
            "Client",
            "ConfigurationError",
            "FetchResult",
            "Frames",
            "InputError",
            "MissingAPIKeyError",
            "RateLimitError",
            "RentalNotFoundError",
            "ReportError",
            "RequestError",
            "ResponseParseError",
            "SMSPartnerError",
            "ServerError",
            "StatusResponse",
            "Store",
            "StoreError",
            "TokenRequiredError",
            "TransportError",
            "__version__",
            "dashboard",
            "fetch_statuses",
            "flatten",
            "load_frames",
            "load_labels",
            "plot_spend",
            "plot_status",
            "plot_volume",
            "read_tokens",
            "sandbox",
            "spend_by",
            "spend_by_category",
            "spend_over_time",
            "status_summary",
            "volume_by_location",
            "write_report",
        ]
    )


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
