"""The store's SQL: every query ``store.db.Store`` runs, in one place.

Each token's latest attempt is the answer with the highest ``id``; its latest answer from the API
(``core.schema.is_answer``: outcome ``ok`` or ``not_found``) is the one the frames show and the
"final" rule reads, so a failed attempt (a refused key, a wrong base URL, the network down) never
hides it. Both are found through the ``answers(token, id)`` index (``store.layout``): one scan of
it for the latest attempts, and, only for a token whose latest attempt failed, a walk back from
its end to its latest answer; never a scan of the table. ``tests/test_store.py`` checks these
rules against the schema module's and their query plans.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ADD_ENTRY",
    "ADD_NEW_ROW",
    "BY_IDS",
    "EARLIER_ANSWER",
    "EARLIER_FINAL",
    "FINAL",
    "FINAL_TOKENS",
    "HISTORY",
    "HISTORY_ROWS",
    "INSERT",
    "LAST_IDS",
    "LATEST",
    "LATEST_IDS",
    "NEW_TOKENS_MARK",
    "PERSISTENT",
    "RECENT",
    "RENTALS_AMONG",
    "ROWS",
    "SELECT",
    "SHOWN",
    "SHOWN_FIELDS",
]

SELECT: Final = (
    "SELECT a.token, a.fetched_at, a.http_status, a.outcome, a.status, a.error_code, "
    "a.error_message, a.attempts, a.body, a.reason, a.persistent FROM answers a "
)
LATEST_IDS: Final = (
    "JOIN (SELECT token, MAX(id) AS id FROM answers GROUP BY token) m ON a.id = m.id "
)
INSERT: Final = (
    "INSERT INTO answers (token, fetched_at, http_status, outcome, status, error_code, "
    "error_message, attempts, body, reason, persistent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
LATEST: Final = SELECT + LATEST_IDS + "JOIN tokens t ON t.token = a.token ORDER BY t.position"
HISTORY: Final = SELECT + "JOIN tokens t ON t.token = a.token ORDER BY t.position, a.id"
RECENT: Final = SELECT + "WHERE a.token = ? ORDER BY a.id DESC LIMIT ?"
# The API's answers on a token are outcome IN ('not_found', 'ok') (schema.ANSWER_OUTCOMES);
# tests/test_store.py checks every rule below against the schema module's. The latest attempts
# come from one scan of the answers(token, id) index (as LATEST); only a token whose latest
# attempt failed looks further back, walking that index from its end to its latest answer.
EARLIER_ANSWER: Final = (
    "(SELECT id FROM answers WHERE token = l.token AND outcome IN ('not_found', 'ok') "
    "ORDER BY id DESC LIMIT 1)"
)
LAST_IDS: Final = (
    "(SELECT token, MAX(id) AS id FROM answers GROUP BY token) m JOIN answers l ON l.id = m.id "
)
# The answer shown for each token (its latest answer from the API, else its latest attempt),
# then the id of its latest attempt when that came after it (a failure), else NULL; token order.
SHOWN_FIELDS: Final = (
    "SELECT a.token, a.fetched_at, a.http_status, a.outcome, a.status, a.error_code, "
    "a.error_message, a.attempts, a.body, a.reason, a.persistent, NULLIF(l.id, a.id) FROM "
)
SHOWN: Final = (
    SHOWN_FIELDS + LAST_IDS + "JOIN tokens t ON t.token = l.token JOIN answers a ON a.id = "
    "CASE WHEN l.outcome IN ('not_found', 'ok') THEN l.id ELSE COALESCE("
    + EARLIER_ANSWER + ", l.id) END ORDER BY t.position"
)  # fmt: skip
# Answers by id (a JSON list of ids): the failed attempts of SHOWN.
BY_IDS: Final = (
    "SELECT a.id, a.token, a.fetched_at, a.http_status, a.outcome, a.status, a.error_code, "
    "a.error_message, a.attempts, a.body, a.reason, a.persistent FROM answers a "
    "WHERE a.id IN (SELECT value FROM json_each(?))"
)
# For the frames cache: answers by id range, with the token's position (never changes): each
# token's latest answer in the range, and its latest answer from the API in the range.
ROWS: Final = (
    "SELECT a.id, t.position, a.token, a.fetched_at, a.http_status, a.outcome, a.status, "
    "a.error_code, a.error_message, a.attempts, a.body, a.reason, a.persistent FROM answers a "
    "JOIN tokens t ON t.token = a.token WHERE a.id > ? AND a.id <= ? AND (NOT EXISTS "
    "(SELECT 1 FROM answers b WHERE b.token = a.token AND b.id > a.id AND b.id <= ?) "
    "OR (a.outcome IN ('not_found', 'ok') AND NOT EXISTS (SELECT 1 FROM answers b "
    "WHERE b.token = a.token AND b.id > a.id AND b.id <= ? "
    "AND b.outcome IN ('not_found', 'ok')))) ORDER BY a.id"
)
HISTORY_ROWS: Final = (
    "SELECT a.id, t.position, a.token, a.fetched_at, a.outcome, a.status, a.http_status "
    "FROM answers a JOIN tokens t ON t.token = a.token WHERE a.id > ? AND a.id <= ? ORDER BY a.id"
)
# Final tokens: the latest answer from the API is final (schema.FINAL_OUTCOMES, or ok with a
# schema.TERMINAL_STATUSES status), or the latest attempt is a persistent failure. A failed
# attempt after a final answer (a refresh with a wrong key) leaves the token final.
FINAL_TOKENS: Final = "SELECT l.token FROM "
EARLIER_FINAL: Final = (
    "(SELECT s.outcome = 'not_found' OR (s.outcome = 'ok' AND s.status IN ('failed', "
    "'downloaded')) FROM answers s WHERE s.token = l.token AND s.outcome IN ('not_found', 'ok') "
    "ORDER BY s.id DESC LIMIT 1)"
)
FINAL: Final = (
    FINAL_TOKENS + LAST_IDS + "WHERE l.persistent = 1 OR l.outcome = 'not_found' "
    "OR (l.outcome = 'ok' AND l.status IN ('failed', 'downloaded')) "
    "OR (l.outcome NOT IN ('not_found', 'ok') AND " + EARLIER_FINAL + ")"
)
# Of the tokens given (a JSON list), those whose latest answer from the API is a rental (ok):
# one seek per token, walking the answers(token, id) index back from its end.
RENTALS_AMONG: Final = (
    "SELECT j.value FROM json_each(?) j WHERE (SELECT a.outcome FROM answers a "
    "WHERE a.token = j.value AND a.outcome IN ('not_found', 'ok') "
    "ORDER BY a.id DESC LIMIT 1) = 'ok'"
)
PERSISTENT: Final = (
    "SELECT a.token FROM answers a "
    "JOIN (SELECT token, MAX(id) AS id FROM answers GROUP BY token) m ON a.id = m.id "
    "WHERE a.persistent = 1"
)
# A known token keeps its position; non-empty metadata replaces its own (only when it differs,
# so the connection's change count says whether anything changed).
ADD_ENTRY: Final = (
    "INSERT INTO tokens (token, metadata, first_seen, position) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(token) DO UPDATE SET metadata = excluded.metadata "
    "WHERE excluded.metadata <> '{}' AND excluded.metadata <> tokens.metadata"
)
# Changed by every write that changes a known token's metadata: the frames cache keeps the
# metadata it read under this mark (and reads the tokens placed since).
NEW_TOKENS_MARK: Final = (
    "INSERT INTO meta (key, value) VALUES ('tokens_mark', ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
# A new token goes last; MAX(position) reads the end of the tokens(position) index.
ADD_NEW_ROW: Final = (
    "INSERT INTO tokens (token, metadata, first_seen, position) "
    "SELECT ?, '{}', ?, COALESCE(MAX(position), -1) + 1 FROM tokens"
)
