"""``python -m smspartner_analytics`` is the ``smspartner-analytics`` command."""

from smspartner_analytics.cli import entry_point

entry_point()
