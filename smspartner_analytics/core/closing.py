"""``Closing``: ``with thing:`` for the toolkit's objects that hold resources and have ``close()``.

``contextlib.closing`` wraps an object instead of making it a context manager itself, and
``contextlib.AbstractContextManager`` leaves ``__exit__`` to write; this base gives both methods
once, to ``Store``, ``Workspace`` and the like.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Closing"]


class Closing:
    """A context manager whose exit calls ``close()`` (which subclasses define)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
