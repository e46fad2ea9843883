"""Serve the dashboard as a web page through Voilà (``smspartner-analytics dashboard``).

Voilà runs in this process and executes ``widgets/page.ipynb`` in a fresh kernel per page. The
choices it is given, and why:

- 127.0.0.1 by default; any other host needs the Jupyter server's token (printed once, in the
  URL), since the page can ask the API with the user's key.
- The API key stays in the kernel: the page's code holds no setting (it reads
  ``SMSPARTNER_DASHBOARD_*`` and resolves the key like the CLI), cells are hidden, tracebacks are
  off and every error shown on the page is one redacted line.
- Closing the tab shuts its kernel down at once: Voilà's page posts its shutdown request on
  ``beforeunload``, with the ``_xsrf`` cookie that this server sets with the page
  (:func:`_with_xsrf_cookie`). A kernel with no page connected for :data:`IDLE_TIMEOUT` seconds is
  shut down too (culled): a page that vanished without closing (a laptop put to sleep, a crashed
  browser) is dropped after the websocket pings go unanswered (30 s), and its kernel is culled.
- The page asks nothing from other machines: the ``smspartner`` template is Voilà's ``lab``
  without Font Awesome (from a CDN) and the Mermaid loader. MathJax is already off in ``lab``;
  ipywidgets' own scripts come from the local server.
- Ctrl-C stops the server, shuts every kernel down and exits with 130.
"""

from __future__ import annotations

import errno
import os
import secrets
import signal
import socket
import sys
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from smspartner_analytics.core.config import is_loopback_url
from smspartner_analytics.core.errors import ConfigurationError
from smspartner_analytics.widgets.defaults import CULL_INTERVAL, DEFAULT_PORT, IDLE_TIMEOUT
from smspartner_analytics.widgets.page import ENV_CWD, ENV_LOCALE, ENV_OUT, ENV_STORE, NOTEBOOK

__all__ = [
    "DEFAULT_PORT",
    "IDLE_TIMEOUT",
    "INSTALL_HINT",
    "ServeOptions",
    "page_url",
    "serve",
]

INSTALL_HINT: Final = (
    "The dashboard page needs Voilà: pip install 'smspartner-analytics[dashboard]', then run "
    "the command again."
)
#: Where the ``smspartner`` Voilà template lives (added to Jupyter's data path).
SHARE: Final = Path(__file__).with_name("share")
TEMPLATE: Final = "smspartner"


@dataclass(frozen=True)
class ServeOptions:
    """What ``smspartner-analytics dashboard`` was asked for."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    store: Path | None = None
    out_dir: Path | None = None
    open_browser: bool = True
    idle_timeout: int = IDLE_TIMEOUT
    locale: str = "en"  # how money, numbers and dates read on the page: "en" or "fr"


def _voila_app_class() -> Any:
    try:
        from voila.app import Voila
    except ImportError:
        raise ConfigurationError(INSTALL_HINT) from None
    return Voila


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def is_local(host: str) -> bool:
    """True for a loopback address or name (127.0.0.1, ::1, localhost)."""
    return is_loopback_url(f"http://{_bracketed(host)}/")


def _free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` (any free one for 0); one-line error otherwise."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigurationError(
                    f"Port {port} is already in use on {host}: choose another with --port "
                    "(0 picks a free one)."
                ) from None
            raise ConfigurationError(
                f"Cannot listen on {host}:{port} ({exc.strerror}): check --host and --port."
            ) from None
        return int(probe.getsockname()[1])


def page_url(host: str, port: int, token: str = "") -> str:
    """The address to open (with ``?token=`` when the server needs one)."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else _bracketed(host)  # noqa: S104
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def _page_environment(options: ServeOptions) -> None:
    """Settings for the page's kernel (it inherits this process's environment)."""
    os.environ[ENV_CWD] = str(Path.cwd())
    os.environ[ENV_LOCALE] = options.locale
    if options.store is not None:
        os.environ[ENV_STORE] = str(options.store.expanduser().resolve())
    if options.out_dir is not None:
        os.environ[ENV_OUT] = str(options.out_dir.expanduser().resolve())
    paths = [str(SHARE), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)


def _voila_config(host: str, port: int, token: str, idle_timeout: int) -> Any:
    """Voilà's settings (no config file is read: a stray voila.json cannot change them)."""
    from traitlets.config import Config

    config = Config()
    config.Voila.ip = host
    config.Voila.port = port
    config.Voila.port_retries = 0
    config.Voila.open_browser = True  # our launch_browser: prints the URL, opens it if asked
    config.Voila.token = token
    config.Voila.log_level = "ERROR"
    config.Voila.config_file_paths = []
    # pings every 30 s; a page gone without a goodbye is dropped after 30 s more
    config.Voila.tornado_settings = {"ws_ping_interval": 30_000, "ws_ping_timeout": 30_000}
    config.VoilaConfiguration.template = TEMPLATE
    config.VoilaConfiguration.show_tracebacks = False
    config.VoilaConfiguration.strip_sources = True
    config.MappingKernelManager.cull_idle_timeout = idle_timeout
    config.MappingKernelManager.cull_interval = min(CULL_INTERVAL, idle_timeout)
    config.MappingKernelManager.cull_connected = False
    config.KernelManager.transport = "ipc"  # Unix sockets in a private folder, not TCP ports
    return config


def _with_xsrf_cookie(handlers: list[Any]) -> list[Any]:
    """Voilà's handlers, the page's own made to set the ``_xsrf`` cookie with the page.

    On ``beforeunload`` Voilà's page posts ``voila/api/shutdown/<kernel>`` with the ``_xsrf``
    cookie's value as the form's ``_xsrf`` field, the check the Jupyter server makes on every
    POST. Voilà 0.5's page handler never reads ``xsrf_token``, which is what makes tornado set
    that cookie, so the field was empty, the POST was refused (403) and the kernel lived on until
    the idle cull. Reading it before the page is written sets the cookie; the check stays on.
    """
    import tornado.web
    from voila.tornado.handler import TornadoVoilaHandler

    class PageHandler(TornadoVoilaHandler):  # type: ignore[misc]
        @tornado.web.authenticated
        async def get(self, path: str | None = None) -> None:
            self.xsrf_token  # noqa: B018 - read for its effect: tornado sets the _xsrf cookie
            await super().get(path)

    return [
        (spec[0], PageHandler, *spec[2:]) if spec[1] is TornadoVoilaHandler else spec
        for spec in handlers
    ]


def serve(options: ServeOptions) -> int:
    """Serve the dashboard until Ctrl-C; return the exit code (130 after Ctrl-C, else 0)."""
    voila_class = _voila_app_class()
    host = options.host
    token = "" if is_local(host) else secrets.token_urlsafe(24)
    port = _free_port(host, options.port)
    url = page_url(host, port, token)
    _page_environment(options)
    interrupted: list[int] = []

    class DashboardServer(voila_class):  # type: ignore[misc, valid-type]
        """Voilà that announces our URL (once) and opens it only when asked."""

        def init_handlers(self) -> list[Any]:
            return _with_xsrf_cookie(super().init_handlers())

        def launch_browser(self) -> None:  # called once the port is bound
            print(f"Dashboard at {url}", flush=True)
            print(
                f"Idle pages' kernels are shut down after {options.idle_timeout} s. "
                "Ctrl-C stops the server.",
                flush=True,
            )
            if options.open_browser:
                webbrowser.open(url)

    app = DashboardServer(config=_voila_config(host, port, token, options.idle_timeout))
    app.initialize([str(NOTEBOOK)])

    def on_interrupt(signum: int, _frame: Any) -> None:
        interrupted.append(signum)
        loop = getattr(app, "ioloop", None)
        if loop is None:
            raise KeyboardInterrupt
        loop.add_callback_from_signal(loop.stop)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        app.start()  # returns once the loop stops; Voilà then shuts every kernel down
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        print("Stopped: every page's kernel is shut down.", file=sys.stderr)
        return 130
    return 0
