from __future__ import annotations

from pathlib import Path

import pytest

from smspartner_analytics.core.config import (
    DEFAULT_BASE_URL,
    read_dotenv,
    resolve_api_key,
    resolve_base_url,
    resolve_store_path,
)
from smspartner_analytics.core.errors import ConfigurationError, MissingAPIKeyError
from smspartner_analytics.core.redaction import redact, redact_url


def test_key_argument_beats_environment_beats_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("SMSPARTNER_API_KEY=from-dotenv\n", encoding="utf-8")
    assert resolve_api_key() == "from-dotenv"
    monkeypatch.setenv("SMSPARTNER_API_KEY", "from-env")
    assert resolve_api_key() == "from-env"
    assert resolve_api_key("from-arg") == "from-arg"


def test_missing_key_names_both_ways_to_set_it() -> None:
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_api_key()
    assert "SMSPARTNER_API_KEY" in str(info.value)
    assert ".env" in str(info.value)


def test_dotenv_syntax(tmp_path: Path) -> None:
    (tmp_path / "x.env").write_text(
        "# comment\nexport A=1\nB = \"two words\"\nC='q'\nD=x # trailing\nnot a line\n",
        encoding="utf-8",
    )
    assert read_dotenv(tmp_path / "x.env") == {"A": "1", "B": "two words", "C": "q", "D": "x"}
    assert read_dotenv(tmp_path / "missing.env") == {}


@pytest.mark.parametrize(
    "url", ["http://api.smspartner.fr/v1", "ftp://x/v1", "not a url", "https://h/v1?apiKey=1"]
)
def test_base_url_refuses_unsafe_urls(url: str) -> None:
    with pytest.raises(ConfigurationError):
        resolve_base_url(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v1", "http://localhost:1/v1/", "http://[::1]:5/v1"]
)
def test_base_url_allows_http_on_loopback(url: str) -> None:
    assert resolve_base_url(url) == url.rstrip("/")


def test_base_url_default_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_base_url() == DEFAULT_BASE_URL
    monkeypatch.setenv("SMSPARTNER_BASE_URL", "https://proxy.example/v1/")
    assert resolve_base_url() == "https://proxy.example/v1"


def test_store_path_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_store_path() == Path("smspartner.sqlite")
    monkeypatch.setenv("SMSPARTNER_STORE", "/tmp/x.sqlite")
    assert resolve_store_path() == Path("/tmp/x.sqlite")
    assert resolve_store_path("y.sqlite") == Path("y.sqlite")


def test_redaction() -> None:
    url = "https://h/v1/location/status?apiKey=SECRET123&token=t"
    assert redact_url(url) == "https://h/v1/location/status?apiKey=***&token=t"
    assert "SECRET123" not in redact(f"boom {url} and SECRET123 again", ["SECRET123"])


def test_redaction_leaves_text_alone_for_a_too_short_secret() -> None:
    assert redact("the token file", ["k"]) == "the token file"
    assert redact("?apiKey=k&token=t", ["k"]) == "?apiKey=***&token=t"


def test_dotenv_quotes_comments_and_export_lines(tmp_path: Path) -> None:
    """The parser is python-dotenv's: a quoted value with a comment after it loses both."""
    (tmp_path / ".env").write_text(
        'SMSPARTNER_API_KEY="test-key"   # my key\n'
        "export SMSPARTNER_BASE_URL='http://127.0.0.1:9/v1'\n"
        'SMSPARTNER_STORE="with # hash.sqlite"\n',
        encoding="utf-8",
    )
    assert resolve_api_key() == "test-key"
    assert resolve_base_url() == "http://127.0.0.1:9/v1"
    assert resolve_store_path().name == "with # hash.sqlite"


def test_dotenv_found_in_a_parent_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Jupyter starts in notebooks/: the project's .env one folder up is still read."""
    (tmp_path / ".env").write_text("SMSPARTNER_API_KEY=from-root\n", encoding="utf-8")
    inner = tmp_path / "notebooks" / "deeper"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    assert resolve_api_key() == "from-root"
    # the nearest .env wins, as with python-dotenv's find_dotenv
    (inner / ".env").write_text("SMSPARTNER_API_KEY=from-here\n", encoding="utf-8")
    assert resolve_api_key() == "from-here"


def test_store_beside_the_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A relative store path in .env, and the default store, are found from a subfolder."""
    inner = tmp_path / "notebooks"
    inner.mkdir()
    monkeypatch.chdir(inner)
    (tmp_path / ".env").write_text("SMSPARTNER_API_KEY=k\n", encoding="utf-8")
    assert resolve_store_path() == Path("smspartner.sqlite")  # nothing exists yet: here
    (tmp_path / "smspartner.sqlite").write_bytes(b"")
    assert resolve_store_path() == tmp_path / "smspartner.sqlite"  # the one the CLI filled
    (inner / "smspartner.sqlite").write_bytes(b"")
    assert resolve_store_path() == Path("smspartner.sqlite")  # the working folder's first
    (tmp_path / ".env").write_text("SMSPARTNER_STORE=data/rentals.sqlite\n", encoding="utf-8")
    assert resolve_store_path() == tmp_path / "data" / "rentals.sqlite"
    monkeypatch.setenv("SMSPARTNER_STORE", "env.sqlite")
    assert resolve_store_path() == Path("env.sqlite")
    assert resolve_store_path("arg.sqlite") == Path("arg.sqlite")
