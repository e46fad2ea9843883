"""The dashboard server's defaults, apart from ``serve`` so that ``smspartner-analytics dashboard
--help`` can name them without importing the server (nor ``socket``, ``secrets``, Voilà)."""

from __future__ import annotations

from typing import Final

__all__ = ["CULL_INTERVAL", "DEFAULT_PORT", "IDLE_TIMEOUT"]

DEFAULT_PORT: Final = 8866
#: Seconds a kernel with no page connected lives on before it is shut down.
IDLE_TIMEOUT: Final = 600
#: Seconds between two checks for idle kernels (at most the idle timeout).
CULL_INTERVAL: Final = 60
