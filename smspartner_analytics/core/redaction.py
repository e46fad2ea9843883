"""One redaction helper for every message, repr, log record and file.

The key travels in the query string, so a server, a proxy or a log may echo it back in any of
the forms a URL gives it. ``redact(text, secrets)`` replaces, for each secret:

- the raw key (``a+b/c=d&e%f``), its HTML-escaped form (``a+b/c=d&amp;e%f``) and its JSON-escaped
  form (``a+b\\/c=d&e%f``);
- its percent-encoded forms, as ``quote`` (``a%2Bb/c%3Dd%26e%25f``), ``quote(safe="")``
  (``a%2Bb%2Fc%3Dd%26e%25f``) and ``quote_plus`` (what ``requests`` sends) write them, with
  upper- or lower-case hex digits;

and then the value of any ``apiKey=`` parameter up to the next separator (``&``, ``#``,
whitespace, a quote, ``<`` or ``>``; an encoded ``%26`` is part of the value), whatever key it
holds. Secrets shorter than ``MIN_SECRET_LENGTH`` are only hidden where they follow
``apiKey=`` (replacing them everywhere would garble every message).
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "redact", "redact_url", "secret_forms"]

REDACTED = "***"
#: Shorter "secrets" are no real API keys; replacing them everywhere would garble every message.
MIN_SECRET_LENGTH = 6

# the value runs to the next separator (a percent-encoded "%26" is part of the value)
_QUERY_KEY = re.compile(r"(?i)(apikey=)[^&#\s\"'<>]*")


def redact_url(url: str) -> str:
    """Return ``url`` with the value of any ``apiKey`` query parameter replaced by ``***``."""
    return _QUERY_KEY.sub(lambda m: m.group(1) + REDACTED, url)


def secret_forms(secret: str) -> list[str]:
    """Every form of ``secret`` that may appear in text: raw, escaped and percent-encoded.

    Longest first, so a form that contains another is replaced whole.
    """
    forms = {
        secret,
        html.escape(secret, quote=False),
        html.escape(secret),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1],
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
    }
    return sorted(forms, key=len, reverse=True)


@functools.lru_cache(maxsize=32)
def _pattern(secrets: tuple[str | None, ...]) -> re.Pattern[str] | None:
    alternatives: list[str] = []
    for secret in secrets:
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            continue
        for form in secret_forms(secret):
            escaped = re.escape(form)
            # percent-escapes match in either case (%2b as well as %2B)
            escaped = re.sub(r"%([0-9A-F])([0-9A-F])", _either_case, escaped)
            alternatives.append(escaped)
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives))


def _either_case(match: re.Match[str]) -> str:
    return "%" + "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in match.groups())


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with every form of every given secret, and every ``apiKey=`` value,
    replaced by ``***``."""
    pattern = _pattern(tuple(secrets))
    out = pattern.sub(REDACTED, text) if pattern is not None else text
    return redact_url(out)
