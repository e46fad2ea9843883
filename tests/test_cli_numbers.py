"""Numbers on the command line: out-of-range or odd values end in argparse's usage message
(exit 2) naming the option and the range, never in a traceback deep inside."""

from __future__ import annotations

from pathlib import Path

import pytest

from smspartner_analytics.cli import EXIT_USAGE, build_parser, main

FETCH = ["fetch", "tokens.txt"]
BAD = [
    (FETCH, "--rate", "1e-300"),
    (FETCH, "--rate", "1e300"),
    (FETCH, "--rate", "-1"),
    (FETCH, "--rate", "nan"),
    (FETCH, "--rate", "inf"),
    (FETCH, "--rate", "fast"),
    (FETCH, "--workers", "0"),
    (FETCH, "--workers", "100000000"),
    (FETCH, "--workers", "2.5"),
    (["sandbox"], "--port", "99999"),
    (["sandbox"], "--port", "-5"),
    (["sandbox"], "--rentals", "100000000000"),
    (["sandbox"], "--rentals", "0"),
    (["sandbox"], "--latency-ms", "1e300"),
    (["sandbox"], "--latency-ms", "-3"),
    (["sandbox"], "--advance-seconds", "1e-300"),
    (["sandbox"], "--advance-seconds", "inf"),
    (["sandbox"], "--fault-rate", "2"),
    (["sandbox"], "--seed", "1.5"),
    (["demo"], "--rentals", "1e9"),
    (["demo"], "--rentals", "10000000"),
]


@pytest.mark.parametrize(("command", "option", "value"), BAD)
def test_bad_numbers_are_refused_with_the_option_named(
    command: list[str], option: str, value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, f"{option}={value}"])
    assert info.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert f"argument {option}" in last
    assert value in last


@pytest.mark.parametrize(
    ("argv", "name", "expected"),
    [
        ([*FETCH, "--rate", "0"], "rate", 0.0),
        ([*FETCH, "--rate", "0.001"], "rate", 0.001),
        ([*FETCH, "--rate", "10000"], "rate", 10_000.0),
        ([*FETCH, "--workers", "64"], "workers", 64),
        (["sandbox", "--port", "65535"], "port", 65_535),
        (["sandbox", "--advance-seconds", "0"], "advance_seconds", 0.0),
        (["sandbox", "--latency-ms", "0"], "latency_ms", 0.0),
    ],
)
def test_edge_values_are_accepted(argv: list[str], name: str, expected: float) -> None:
    assert getattr(build_parser().parse_args(argv), name) == expected


def test_out_of_range_message_gives_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*FETCH, "--rate", "1e-300"])
    err = capsys.readouterr().err
    assert "give a number from 0.001 to 10,000, or 0 for no cap" in err
