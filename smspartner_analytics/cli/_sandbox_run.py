"""What ``smspartner-analytics sandbox`` does once its options are parsed (``_sandbox`` declares
them): serve until Ctrl-C. Imported only when the command runs."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

__all__ = ["run"]


def _usage(base_url: str, tokens_out: str | None, *, own_key: bool) -> str:
    """What to type to use the sandbox: the key it accepts, never the one given with --api-key
    (keys are never printed: KEY stands for it)."""
    tokens = tokens_out or "tokens.csv"
    if own_key:
        how = (
            "It accepts only the key you gave with --api-key. Point the toolkit at it, with "
            "that key in place of KEY:"
        )
        key = "KEY"
    else:
        how = "Point the toolkit at it (it accepts any non-empty key):"
        key = "anything"
    lines = [
        f"Sandbox serving {base_url}",
        how,
        f"  SMSPARTNER_BASE_URL={base_url} SMSPARTNER_API_KEY={key} "
        f"smspartner-analytics fetch {tokens}",
    ]
    if tokens_out is None:
        lines.append("(use --tokens-out tokens.csv to write the generated tokens)")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


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
        api_key=args.api_key or None,  # an empty --api-key: any key, as without it
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
            print(_usage(server.base_url, args.tokens_out, own_key=bool(args.api_key)), flush=True)
            while not stop.wait(0.2):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"Sandbox stopped after {server.request_count()} requests.", file=sys.stderr)
    return 0
