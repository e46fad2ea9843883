"""`smspartner-analytics sandbox`: serve the local imitation of the API until Ctrl-C."""

from __future__ import annotations

from smspartner_analytics.cli._common import (
    Parents,
    Subparsers,
    fraction,
    int_between,
    number_between,
)

__all__ = ["MAX_LATENCY_MS", "MAX_RENTALS", "register"]

#: Bounds of the sandbox's numeric options (the rentals are generated in memory).
MAX_RENTALS = 1_000_000
MAX_LATENCY_MS = 60_000.0


def register(sub: Subparsers, parents: Parents, summary: str) -> None:
    """Add this subcommand's parser (``summary``: its line in the command's ``--help``)."""
    p = sub.add_parser(
        "sandbox",
        help=summary,
        description="Serve GET /v1/location/status on a loopback port until Ctrl-C.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    p.add_argument(
        "--port",
        type=int_between(0, 65_535),
        default=0,
        metavar="N",
        help="port, 0 to 65535 (default 0: a free one)",
    )
    p.add_argument(
        "--rentals",
        type=int_between(1, MAX_RENTALS),
        default=300,
        metavar="N",
        help=f"how many rentals to generate, 1 to {MAX_RENTALS:,} (default 300)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument(
        "--latency-ms",
        type=number_between(0, MAX_LATENCY_MS),
        default=0.0,
        metavar="L",
        help=f"added latency per request in milliseconds, 0 to {MAX_LATENCY_MS:,.0f}",
    )
    p.add_argument(
        "--fault-rate",
        type=fraction,
        default=0.0,
        metavar="F",
        help="share of requests answered with a random fault (0 to 1)",
    )
    p.add_argument(
        "--advance-seconds",
        type=number_between(0.001, 86_400, zero="rentals that stay still"),
        default=0.0,
        metavar="S",
        help="move each rental one status step every S seconds (times a pace drawn from the "
        "seed), so `fetch --watch` sees rentals become ready; 0 (default) keeps them still",
    )
    p.add_argument(
        "--api-key", metavar="KEY", help="accept only this key (default: any non-empty key)"
    )
    p.add_argument(
        "--tokens-out",
        metavar="PATH",
        help="write the generated tokens (CSV with metadata) to this file",
    )
