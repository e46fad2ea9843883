"""One redaction helper for every message, repr, log record and file (reliability.md #12)."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["REDACTED", "redact", "redact_url"]

REDACTED = "***"

_QUERY_KEY = re.compile(r"(?i)(apikey=)[^&#\s\"']*")


def redact_url(url: str) -> str:
    """Return ``url`` with the value of any ``apiKey`` query parameter replaced by ``***``."""
    return _QUERY_KEY.sub(lambda m: m.group(1) + REDACTED, url)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with every ``apiKey=`` value and every given secret replaced by ``***``."""
    out = redact_url(text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, REDACTED)
    return out
