"""One redaction helper for every message, repr, log record and file.

The promise it serves: docs/reliability.md, Secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "redact", "redact_url"]

REDACTED = "***"
#: Shorter "secrets" are no real API keys; replacing them everywhere would garble every message.
MIN_SECRET_LENGTH = 6

_QUERY_KEY = re.compile(r"(?i)(apikey=)[^&#\s\"']*")


def redact_url(url: str) -> str:
    """Return ``url`` with the value of any ``apiKey`` query parameter replaced by ``***``."""
    return _QUERY_KEY.sub(lambda m: m.group(1) + REDACTED, url)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with every ``apiKey=`` value and every given secret replaced by ``***``.

    Secrets shorter than ``MIN_SECRET_LENGTH`` are only hidden where they follow ``apiKey=``.
    """
    out = redact_url(text)
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            out = out.replace(secret, REDACTED)
    return out
