"""Layer 0: what every other layer may use. The exception tree (``errors``), names and records
shared by all (``schema``), settings resolution (``config``), hiding the key (``redaction``) and the
category labels (``labels``). Imports nothing else from the package."""
