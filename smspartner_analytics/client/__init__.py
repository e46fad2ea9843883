"""Layer 1: one status request to the API, with its retries, rate limit and redaction.

``http`` holds ``Client``; ``answers`` reads one HTTP attempt into data or one of our exceptions;
``retry`` decides whether and when to ask again; ``ratelimit`` is the shared token bucket.
"""
