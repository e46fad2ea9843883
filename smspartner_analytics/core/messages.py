"""How errors and warnings read for a user: one line, ``error: `` or ``warning: `` first.

The CLI prints these lines on stderr and the dashboard page shows the same error line in red, so a
failure reads the same wherever it is met. The exception classes themselves are in
``core.errors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from smspartner_analytics.core.errors import SMSPartnerError

__all__ = ["ERROR_PREFIX", "WARNING_PREFIX", "error_line", "warning_line"]

#: How every error line shown to a user starts: the CLI's stderr, the dashboard page.
ERROR_PREFIX: Final = "error: "
#: How every warning line shown to a user starts (a duplicate token dropped, a label ignored).
WARNING_PREFIX: Final = "warning: "


def error_line(problem: BaseException | str, secrets: Iterable[str | None] = ()) -> str:
    """What a user reads about ``problem``: ``error: `` then its message, on one line, with every
    given secret (and any ``apiKey=`` value) hidden.

    Our errors (``SMSPartnerError``) are sentences that say what happened and what to do, so the
    line names no exception class. Any other exception is a bug: its class name is kept, since a
    bug report needs it (``error: KeyError: 'x'``). A message-less error of ours reads as its
    class's docstring.
    """
    from smspartner_analytics.core.redaction import redact  # only once there is a line to show

    if isinstance(problem, str):
        text = problem
    elif isinstance(problem, SMSPartnerError):
        text = str(problem) or (type(problem).__doc__ or "").split("\n\n")[0]
    else:
        text = f"{type(problem).__name__}: {problem}"
    return ERROR_PREFIX + redact(" ".join(text.split()), secrets)


def warning_line(message: object) -> str:
    """``warning: `` then ``message`` on one line (a warning the CLI shows and goes on)."""
    return WARNING_PREFIX + " ".join(str(message).split())
