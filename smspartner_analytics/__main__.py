"""``python -m smspartner_analytics`` is the ``smspartner-analytics`` command."""

from .cli import entry_point

entry_point()
