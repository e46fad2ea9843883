"""Settings resolution: argument > environment > ``.env`` > default.

``.env`` is read with python-dotenv (quotes, ``#`` comments and ``export`` lines behave as in a
shell), and found as python-dotenv's ``find_dotenv`` finds it: in the working folder or the
nearest parent that has one. So a notebook started in ``notebooks/`` reads the project's ``.env``.
A relative ``SMSPARTNER_STORE`` written in a ``.env`` is relative to that file's folder.

No module-level mutable state: every call reads the environment and ``.env`` afresh. python-dotenv
is imported by the functions that read a ``.env``, not with this module: the CLI's ``--help`` and
its option defaults need this module's constants only.
"""

from __future__ import annotations

import io
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from smspartner_analytics.core.defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_RATE,
    DEFAULT_REPORT_DIR,
    DEFAULT_STORE,
    DEFAULT_WORKERS,
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_STORE,
)
from smspartner_analytics.core.errors import ConfigurationError, MissingAPIKeyError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RATE",
    "DEFAULT_REPORT_DIR",
    "DEFAULT_STORE",
    "DEFAULT_WORKERS",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_STORE",
    "SettingSource",
    "find_env_file",
    "is_loopback_url",
    "locate_api_key",
    "locate_setting",
    "read_dotenv",
    "resolve_api_key",
    "resolve_base_url",
    "resolve_setting",
    "resolve_store_path",
]


def find_env_file() -> Path | None:
    """The ``.env`` of the working folder or of its nearest parent that has one, else None."""
    from dotenv import find_dotenv

    found = find_dotenv(usecwd=True)
    return Path(found) if found else None


def _env_file(dotenv: str | Path | None) -> Path | None:
    return find_env_file() if dotenv is None else Path(dotenv)


def read_dotenv(path: str | Path | None = None) -> dict[str, str]:
    """The ``KEY=value`` pairs of a ``.env`` file, parsed by python-dotenv.

    ``path=None`` finds the file from the working folder up. A missing or unreadable file gives
    ``{}``: ``.env`` is optional. Names without a value (a bare ``NAME`` line) are left out.
    """
    env_file = _env_file(path)
    if env_file is None:
        return {}
    try:
        text = env_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    from dotenv import dotenv_values

    values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    return {name: value for name, value in values.items() if value is not None}


class SettingSource(NamedTuple):
    """Where a setting's value came from, for messages that must say it (never the value).

    ``kind``: ``"argument"``, ``"environment"`` or ``"dotenv"``; ``path``: the ``.env`` read (for
    ``"environment"``: a ``.env`` that sets the name too, which the environment overrides);
    ``argument``: how the argument is written (``api_key=``).
    """

    name: str
    kind: Literal["argument", "environment", "dotenv"]
    path: Path | None = None
    argument: str = "api_key="

    def described(self) -> str:
        """``"from /home/me/project/.env"``, ``"given as api_key="``, ``"from the environment
        variable SMSPARTNER_API_KEY (it overrides /home/me/project/.env)"``."""
        if self.kind == "argument":
            return f"given as {self.argument}"
        if self.kind == "dotenv":
            return f"from {self.path}"
        overrides = f" (it overrides {self.path})" if self.path is not None else ""
        return f"from the environment variable {self.name}{overrides}"

    def fix(self) -> str:
        """What to do about a wrong value, where it is: ``"correct SMSPARTNER_API_KEY=... in
        /home/me/project/.env"``."""
        if self.kind == "argument":
            return f"pass the right value as {self.argument}"
        if self.kind == "dotenv":
            return f"correct {self.name}=... in {self.path}"
        unset = f" (or unset it to use {self.path})" if self.path is not None else ""
        return f"correct the environment variable {self.name}{unset}"


def locate_setting(
    name: str,
    argument: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    dotenv: str | Path | None = None,
    argument_name: str = "api_key=",
) -> tuple[str, SettingSource] | None:
    """The value :func:`resolve_setting` gives and where it came from; None when unset.

    ``argument_name``: how the argument is written in messages (``api_key=``).
    """
    if argument is not None and argument.strip():
        return argument.strip(), SettingSource(name, "argument", argument=argument_name)
    env = os.environ if environ is None else environ
    env_file = _env_file(dotenv)
    in_file = read_dotenv(env_file).get(name, "").strip() if env_file is not None else ""
    value = env.get(name, "").strip()
    if value:
        return value, SettingSource(name, "environment", env_file if in_file else None)
    if in_file:
        return in_file, SettingSource(name, "dotenv", env_file)
    return None


def resolve_setting(
    name: str,
    argument: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    dotenv: str | Path | None = None,
) -> str | None:
    """Return the first non-empty of: ``argument``, ``environ[name]``, ``.env``'s ``name``.

    ``dotenv``: the ``.env`` file to read; None finds it from the working folder up.
    """
    if argument is not None and argument.strip():
        return argument.strip()
    env = os.environ if environ is None else environ
    value = env.get(name, "").strip()
    if value:
        return value
    value = read_dotenv(_env_file(dotenv)).get(name, "").strip()
    return value or None


def resolve_api_key(argument: str | None = None, **kwargs: object) -> str:
    """Return the API key or raise ``MissingAPIKeyError`` naming every way to set it."""
    return locate_api_key(argument, **kwargs)[0]


def locate_api_key(argument: str | None = None, **kwargs: object) -> tuple[str, SettingSource]:
    """The API key and where it came from (:func:`locate_setting`), or ``MissingAPIKeyError``."""
    found = locate_setting(ENV_API_KEY, argument, **kwargs)  # type: ignore[arg-type]
    if found is None:
        raise MissingAPIKeyError(
            f"No SMS Partner API key: set the {ENV_API_KEY} environment variable, "
            f"or put {ENV_API_KEY}=... in a .env file in the working folder or a parent "
            "(or pass api_key= to Client in Python)."
        )
    return found


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


def resolve_store_path(
    argument: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    dotenv: str | Path | None = None,
) -> Path:
    """Return the store path: argument, else ``SMSPARTNER_STORE`` (environment, then ``.env``).

    A relative path from a ``.env`` is taken relative to that file's folder. With no setting:
    ``smspartner.sqlite`` in the working folder, unless only the ``.env``'s folder has one (a
    notebook started in ``notebooks/`` opens the store the CLI filled at the project root).
    """
    if argument is not None and str(argument).strip():
        return Path(str(argument).strip())
    env = os.environ if environ is None else environ
    value = env.get(ENV_STORE, "").strip()
    if value:
        return Path(value)
    env_file = _env_file(dotenv)
    value = read_dotenv(env_file).get(ENV_STORE, "").strip() if env_file else ""
    if value:
        path = Path(value).expanduser()
        return path if path.is_absolute() or env_file is None else env_file.parent / path
    here = Path(DEFAULT_STORE)
    if env_file is not None and not here.exists():
        beside = env_file.parent / DEFAULT_STORE
        if beside.exists():
            return beside
    return here
