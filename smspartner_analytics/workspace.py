"""``open_workspace()``: the store, the client and the data in one call, as the CLI finds them.

One way to get started in Python, in notebooks and in the dashboard:

>>> import smspartner_analytics as sa
>>> with sa.open_workspace() as ws:  # doctest: +SKIP
...     print(ws.describe())
...     frames = ws.frames()

Settings resolve exactly as the CLI resolves them (``core.config``): argument > environment >
``.env``, the ``.env`` being found in the working folder or its nearest parent that has one.

- A key: a ``Client`` on the API (or the base URL set), and the store at the store path (created
  empty when missing; ``refresh()`` or ``fetch_statuses`` fills it).
- No key, and a store exists: that store, opened read-only and read as it is (``client`` is
  None, ``refresh()`` says a key is needed).
- No key and a store path set (argument, ``SMSPARTNER_STORE``) that does not exist: ``StoreError``.
- No key and no store: the built-in sandbox starts in this process, a temporary store is filled
  from it, and one line says so. The sandbox and the temporary folder go away on ``close()``.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final, NamedTuple

from smspartner_analytics.client.http import Client
from smspartner_analytics.core.closing import Closing
from smspartner_analytics.core.config import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_STORE,
    find_env_file,
    locate_api_key,
    locate_setting,
    resolve_base_url,
    resolve_setting,
    resolve_store_path,
)
from smspartner_analytics.core.errors import (
    AuthenticationError,
    BatchStoppedError,
    ConfigurationError,
    StoreError,
)
from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.fetch import FetchResult, auth_message, fetch_statuses
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

if TYPE_CHECKING:
    from smspartner_analytics.frames.dtypes import Frames

__all__ = ["SANDBOX_KEY", "SANDBOX_RENTALS", "Settings", "Workspace", "open_workspace"]

#: The sandbox accepts any non-empty key; this one is no secret.
SANDBOX_KEY: Final = "sandbox-workspace-key"
#: Rentals the sandbox generates for a workspace (plus a few tokens it does not know).
SANDBOX_RENTALS: Final = 300
#: Tokens the sandbox does not know: they show what the ``errors`` frame holds.
_UNKNOWN_TOKENS: Final = ("0" * 40, "deadbeef" * 5)

NO_CLIENT: Final = (
    f"No API key, so nothing can be asked: set {ENV_API_KEY} in the environment or in a .env "
    "file (working folder or a parent), or pass api_key= to open_workspace."
)


class Settings(NamedTuple):
    """What ``open_workspace`` was given, to resolve the key again the same way later."""

    api_key: str | None = None
    base_url: str | None = None
    env_file: Path | None = None  # None: the .env found from the working folder up, afresh


class Workspace(Closing):
    """An open store, the client that fills it (None without a key), and where they point.

    Build it with :func:`open_workspace`. ``store``, ``store_path``, ``client``, ``is_sandbox``,
    ``base_url``; ``frames()``, ``refresh()``, ``renew_client()``, ``describe()``, ``close()``;
    a context manager.
    """

    def __init__(
        self,
        store: Store,
        *,
        client: Client | None,
        is_sandbox: bool,
        base_url: str | None,
        resources: contextlib.ExitStack | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.store = store
        self.store_path = store.path
        self.client = client
        self.is_sandbox = is_sandbox
        self.base_url = base_url
        self.settings = settings if settings is not None else Settings()
        self._resources = resources if resources is not None else contextlib.ExitStack()
        self._key_refused = False
        self.closed = False

    def renew_client(self) -> Client:
        """A client on the key as it resolves now (argument > environment > ``.env``, as
        ``open_workspace`` resolved it); the old client is closed.

        After the API refused the key, a key corrected in ``.env`` or in the environment is used
        without opening the workspace again. ``MissingAPIKeyError`` when no key is set any more
        (the old client is kept); ``ConfigurationError`` without a client (a read-only store:
        open the workspace again once a key is set). The sandbox's client is kept as it is.
        """
        if self.client is None:
            raise ConfigurationError(NO_CLIENT)
        if self.is_sandbox:
            return self.client
        dotenv = self.settings.env_file
        key, source = locate_api_key(self.settings.api_key, dotenv=dotenv)
        url = resolve_base_url(self.settings.base_url, dotenv=dotenv)
        client = Client(api_key=key, base_url=url)
        client.key_source = source
        old, self.client, self.base_url = self.client, client, url
        old.close()
        self._key_refused = False
        return client

    def frames(self) -> Frames:
        """The store's frames (``load_frames``): read afresh at every call."""
        return load_frames(self.store)

    def refresh(self, *, progress: bool = True) -> FetchResult:
        """Ask the API again for the store's tokens that are not final (as ``fetch`` does).

        Raises ``ConfigurationError`` (one line) without a client, ``AuthenticationError`` when
        the API refuses the key (the next call resolves the key again: ``renew_client``),
        ``BatchStoppedError`` when the batch stopped early (a TLS failure, or a wrong base URL).
        Every answer is saved as it arrives.
        """
        if self.client is None:
            raise ConfigurationError(NO_CLIENT)
        client = self.renew_client() if self._key_refused else self.client
        result = fetch_statuses(
            self.store.tokens(),
            client=client,
            store=self.store,
            progress=progress,
            errors="ignore",
        )
        if result.auth_failed:
            self._key_refused = True  # the next refresh resolves the key again
            fixed = result.key_source is not None and result.key_source.kind == "argument"
            then = "open the workspace again" if fixed else "call refresh() again"
            raise AuthenticationError(auth_message(result, then=then))
        if result.stopped:
            raise BatchStoppedError(result.stopped)
        return result

    def describe(self) -> str:
        """One line: the store, how many tokens it holds, sandbox or API (never the key)."""
        tokens = len(self.store.tokens())
        answers = self.store.count_answers()
        where = f"Store {self.store_path}: {tokens:,} tokens, {answers:,} answers kept"
        if self.is_sandbox:
            return (
                f"{where}; running against the built-in sandbox at {self.base_url} "
                "(no API key; temporary store, deleted on close)."
            )
        if self.client is None:
            return f"{where}; no API key, so the store is read as it is (refresh needs a key)."
        return f"{where}; API at {self.base_url}."

    def __repr__(self) -> str:
        kind = "sandbox" if self.is_sandbox else "api" if self.client is not None else "offline"
        state = ", closed" if self.closed else ""
        return f"Workspace({str(self.store_path)!r}, {kind}{state})"

    def close(self) -> None:
        """Close the store and the client; stop the sandbox and delete its temporary store."""
        if self.closed:
            return
        self.closed = True
        try:
            self.store.close()
            if self.client is not None:
                self.client.close()
        finally:
            self._resources.close()


def open_workspace(
    store: str | Path | None = None,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    env_file: str | Path | None = None,
    quiet: bool = False,
) -> Workspace:
    """Open the store and the client the way the CLI finds them; see the module docstring.

    ``store``: the store path (default ``SMSPARTNER_STORE``, else ``smspartner.sqlite`` in the
    working folder or beside the ``.env``). ``env_file``: the ``.env`` to read instead of the one
    found from the working folder up. ``quiet=True`` leaves out the sandbox line.
    """
    dotenv = Path(env_file) if env_file is not None else find_env_file()
    if dotenv is not None and env_file is not None and not dotenv.is_file():
        raise ConfigurationError(f"No .env file at {dotenv}: give the path of an existing file.")
    found = locate_setting(ENV_API_KEY, api_key, dotenv=dotenv)
    path = resolve_store_path(store, dotenv=dotenv)
    if found is not None:
        key, source = found
        url = resolve_base_url(base_url, dotenv=dotenv)
        client = Client(api_key=key, base_url=url)
        client.key_source = source  # where open_workspace found it, for the refused-key message
        try:
            opened = Store(path)
        except BaseException:
            client.close()
            raise
        settings = Settings(api_key, base_url, Path(env_file) if env_file is not None else None)
        return Workspace(opened, client=client, is_sandbox=False, base_url=url, settings=settings)
    if path.is_file():
        shown = resolve_setting(ENV_BASE_URL, base_url, dotenv=dotenv)
        opened = Store(path, read_only=True)  # nothing to write without a key; works on any mount
        return Workspace(opened, client=None, is_sandbox=False, base_url=shown)
    if resolve_setting(ENV_STORE, None if store is None else str(store), dotenv=dotenv):
        raise StoreError(
            f"No store at {path} and no API key to fill one: check the path, or set "
            f"{ENV_API_KEY} and run `smspartner-analytics fetch TOKENS_FILE --store {path}`."
        )
    return _sandbox_workspace(quiet=quiet)


def _sandbox_workspace(*, quiet: bool) -> Workspace:
    """The built-in sandbox and a temporary store filled from it (closed with the workspace)."""
    resources = contextlib.ExitStack()
    try:
        folder = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="smspartner-")))
        url = resources.enter_context(sandbox(rentals=SANDBOX_RENTALS))
        client = Client(api_key=SANDBOX_KEY, base_url=url, rate=None, workers=8)
        resources.callback(client.close)
        opened = Store(folder / "sandbox.sqlite")
        resources.callback(opened.close)
        entries = [
            *url.server.entries,
            *(TokenEntry(token, {"campaign": "Unknown"}) for token in _UNKNOWN_TOKENS),
        ]
        fetch_statuses(entries, client=client, store=opened, progress=False, errors="ignore")
    except BaseException:
        resources.close()
        raise
    workspace = Workspace(
        opened, client=client, is_sandbox=True, base_url=str(url), resources=resources
    )
    if not quiet:
        print(
            f"No API key ({ENV_API_KEY} in the environment or a .env): running against the "
            f"built-in sandbox at {url}, {SANDBOX_RENTALS} generated rentals in a temporary store."
        )
    return workspace
