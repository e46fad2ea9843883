"""Layer 0: what every other layer may use. The exception tree (``errors``), names and records
shared by all (``schema``), settings resolution (``config``), hiding the key (``redaction``) and the
category labels (``labels``), numbers for people (``numbers``), bounded CSV reading (``csvread``)
and ``with`` for objects that have ``close()`` (``closing``). Imports nothing else from the
package."""
