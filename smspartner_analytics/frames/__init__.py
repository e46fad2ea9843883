"""Layer 2: from API answers to typed pandas frames (pure; never takes a Client).

``flattening`` holds ``flatten`` and ``load_frames``; ``engine`` the one-pass row collector and
the per-column conversion; ``coercion`` raw JSON values to typed arrays; ``dtypes`` the ``Frames``
dataclass and the declared dtype of every column.
"""
