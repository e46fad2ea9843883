"""Layer 1: the sandbox, a real local HTTP server that imitates the API (no key, no network).

``server`` holds ``SandboxServer`` and the ``sandbox()`` context manager; ``data`` its fake rentals;
``faults`` its fault-token grammar; ``wire`` how a fault is written on the socket. The package is
not called ``sandbox`` because ``sa.sandbox`` is the public function.
"""
