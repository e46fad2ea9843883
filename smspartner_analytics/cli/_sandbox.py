"""`smspartner-analytics sandbox`: serve the local imitation of the API until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from smspartner_analytics.cli._common import (
    Parents,
    Subparsers,
    fraction,
    int_between,
    number_between,
)

__all__ = ["MAX_LATENCY_MS", "MAX_RENTALS", "register", "run"]

#: Bounds of the sandbox's numeric options (the rentals are generated in memory).
MAX_RENTALS = 1_000_000
MAX_LATENCY_MS = 60_000.0


def _usage(base_url: str, tokens_out: str | None) -> str:
    tokens = tokens_out or "tokens.csv"
    lines = [
        f"Sandbox serving {base_url}",
        "Point the toolkit at it (any non-empty key works unless --api-key was given):",
        f"  SMSPARTNER_BASE_URL={base_url} SMSPARTNER_API_KEY=anything "
        f"smspartner-analytics fetch {tokens}",
    ]
    if tokens_out is None:
        lines.append("(use --tokens-out tokens.csv to write the generated tokens)")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def register(sub: Subparsers, parents: Parents) -> None:
    """Add this subcommand's parser."""
    p = sub.add_parser(
        "sandbox",
        help="serve a local imitation of the API (no key, no network)",
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

    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; return 0 after a clean shutdown."""
    from smspartner_analytics.simulator.server import SandboxServer

    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    server = SandboxServer(
        rentals=args.rentals,
        seed=args.seed,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        advance_seconds=args.advance_seconds,
    )
    # SIGINT explicitly too: a background job of a shell script inherits it ignored.
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with server:
            if args.tokens_out:
                path = server.write_tokens_csv(args.tokens_out)
                print(f"Wrote {len(server.tokens)} tokens to {path}")
            print(_usage(server.base_url, args.tokens_out), flush=True)
            while not stop.wait(0.2):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"Sandbox stopped after {server.request_count()} requests.", file=sys.stderr)
    return 0
