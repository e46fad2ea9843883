"""Settings resolution: argument > environment > ``.env`` in the working directory > default.

No module-level mutable state: every call reads the environment and ``.env`` afresh.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from smspartner_analytics.core.errors import ConfigurationError, MissingAPIKeyError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_STORE",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_STORE",
    "is_loopback_url",
    "read_dotenv",
    "resolve_api_key",
    "resolve_base_url",
    "resolve_setting",
    "resolve_store_path",
]

ENV_API_KEY = "SMSPARTNER_API_KEY"
ENV_BASE_URL = "SMSPARTNER_BASE_URL"
ENV_STORE = "SMSPARTNER_STORE"
DEFAULT_BASE_URL = "https://api.smspartner.fr/v1"
DEFAULT_STORE = "smspartner.sqlite"


def read_dotenv(path: str | Path = ".env") -> dict[str, str]:
    """Read ``KEY=value`` lines of a ``.env`` file (``export``, quotes and comments allowed).

    A missing or unreadable file gives ``{}``: ``.env`` is optional.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[name.strip()] = value
    return values


def resolve_setting(
    name: str,
    argument: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    dotenv: str | Path = ".env",
) -> str | None:
    """Return the first non-empty of: ``argument``, ``environ[name]``, ``.env``'s ``name``."""
    if argument is not None and argument.strip():
        return argument.strip()
    env = os.environ if environ is None else environ
    value = env.get(name, "").strip()
    if value:
        return value
    value = read_dotenv(dotenv).get(name, "").strip()
    return value or None


def resolve_api_key(argument: str | None = None, **kwargs: object) -> str:
    """Return the API key or raise ``MissingAPIKeyError`` naming every way to set it."""
    key = resolve_setting(ENV_API_KEY, argument, **kwargs)  # type: ignore[arg-type]
    if key is None:
        raise MissingAPIKeyError(
            f"No SMS Partner API key: set the {ENV_API_KEY} environment variable, "
            f"or put {ENV_API_KEY}=... in a .env file in the working directory "
            "(or pass api_key= to Client in Python)."
        )
    return key


def is_loopback_url(url: str) -> bool:
    """True when ``url``'s host is localhost or a loopback address (127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(argument: str | None = None, **kwargs: object) -> str:
    """Return the API base URL without a trailing slash; only https, or http on loopback."""
    url = resolve_setting(ENV_BASE_URL, argument, **kwargs)  # type: ignore[arg-type]
    url = (url or DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"Base URL {url!r} is not an http(s) URL: set {ENV_BASE_URL} or --base-url "
            f"to something like {DEFAULT_BASE_URL}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            f"Base URL must not carry a query, fragment or credentials: use {DEFAULT_BASE_URL}."
        )
    if parts.scheme == "http" and not is_loopback_url(url):
        raise ConfigurationError(
            f"Refusing plain http for {parts.hostname}: the API key travels in the query "
            "string, so only https:// is allowed (http only for a local sandbox on 127.0.0.1)."
        )
    return url


def resolve_store_path(argument: str | Path | None = None, **kwargs: object) -> Path:
    """Return the store path: argument, else SMSPARTNER_STORE, else ``smspartner.sqlite``."""
    value = resolve_setting(
        ENV_STORE,
        None if argument is None else str(argument),
        **kwargs,  # type: ignore[arg-type]
    )
    return Path(value or DEFAULT_STORE)
