"""The toolkit's default settings and the names of its environment variables, as plain constants.

``core.config`` resolves settings from them (and re-exports them); this module imports nothing,
so the CLI's parsers (``--help``) can show the defaults without loading ``pathlib`` or the
settings code.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RATE",
    "DEFAULT_REPORT_DIR",
    "DEFAULT_STORE",
    "DEFAULT_WORKERS",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_STORE",
]

ENV_API_KEY = "SMSPARTNER_API_KEY"
ENV_BASE_URL = "SMSPARTNER_BASE_URL"
ENV_STORE = "SMSPARTNER_STORE"
DEFAULT_BASE_URL = "https://api.smspartner.fr/v1"
DEFAULT_STORE = "smspartner.sqlite"
#: Folder the report goes to when none is given: `report`, `demo` and `dashboard --out` share it.
DEFAULT_REPORT_DIR = "smspartner-report"
#: Requests in flight at once, and requests per second at most: the one default of the client,
#: ``fetch_statuses`` and the CLI.
DEFAULT_WORKERS = 4
DEFAULT_RATE = 5.0
