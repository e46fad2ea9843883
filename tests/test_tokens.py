"""Reading token lists: text, CSV with metadata, stdin, BOM, blanks, duplicates, bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smspartner_analytics.cli import EXIT_OK, main
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.simulator.server import SandboxURL
from smspartner_analytics.store.tokens import dedupe_entries, parse_tokens, read_tokens


def write(tmp_path: Path, text: str, name: str = "tokens.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def tokens_of(entries: list[TokenEntry]) -> list[str]:
    return [e.token for e in entries]


def test_text_file_strips_whitespace_and_skips_blanks(tmp_path: Path) -> None:
    path = write(tmp_path, "  abc123 \n\n\tdef456\r\n# a comment\n   \nghi789")
    assert read_tokens(path) == [
        TokenEntry("abc123", {}),
        TokenEntry("def456", {}),
        TokenEntry("ghi789", {}),
    ]
    assert tokens_of(read_tokens(str(path))) == ["abc123", "def456", "ghi789"]


def test_text_file_with_token_header_line(tmp_path: Path) -> None:
    assert tokens_of(read_tokens(write(tmp_path, "Token\nabc\ndef\n"))) == ["abc", "def"]


def test_tokens_in_double_quotes_are_read_without_them(tmp_path: Path) -> None:
    text = '"token"\n"e8be01"\n  " f00d02 " \nabc03\n"dup"\ndup\n'
    with pytest.warns(UserWarning, match="1 duplicate token was dropped"):
        entries = read_tokens(write(tmp_path, text))
    assert tokens_of(entries) == ["e8be01", "f00d02", "abc03", "dup"]


def test_quoted_tokens_reach_the_api_without_quotes(
    sandbox_url: SandboxURL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("SMSPARTNER_API_KEY", "quote-key")
    first, second = sandbox_url.server.tokens[:2]
    write(tmp_path, f'"{first}"\n"{second}"\n')
    code = main(["fetch", "tokens.txt", "--base-url", sandbox_url, "--rate", "0"])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert "2 succeeded, 0 not found" in out
    assert sandbox_url.server.request_count(first) == sandbox_url.server.request_count(second) == 1


def test_bom_is_tolerated(tmp_path: Path) -> None:
    assert tokens_of(read_tokens(write(tmp_path, "\ufeffabc\ndef\n"))) == ["abc", "def"]
    csv_path = write(tmp_path, "\ufefftoken;campagne\nabc;été\n", "t.csv")
    assert read_tokens(csv_path) == [TokenEntry("abc", {"campagne": "été"})]


def test_windows_1252_csv_from_excel(tmp_path: Path) -> None:
    path = write(tmp_path, "token;campagne\nabc;Fête des mères\n", "t.csv", "cp1252")
    assert read_tokens(path) == [TokenEntry("abc", {"campagne": "Fête des mères"})]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_with_metadata(tmp_path: Path, sep: str) -> None:
    text = sep.join(["campaign", "Token", "owner"]) + "\n"
    text += sep.join(["spring", " abc ", "ana"]) + "\n\n"
    text += sep.join(["june", "def", ""]) + "\n"
    text += sep.join(["", "", "nobody"]) + "\n"  # no token: skipped
    text += "short" + sep + "ghi\n"  # missing cells become empty text
    assert read_tokens(write(tmp_path, text, "t.csv")) == [
        TokenEntry("abc", {"campaign": "spring", "owner": "ana"}),
        TokenEntry("def", {"campaign": "june", "owner": ""}),
        TokenEntry("ghi", {"campaign": "short", "owner": ""}),
    ]


def test_csv_with_quoted_cells(tmp_path: Path) -> None:
    text = 'token,label\nabc,"Paris, Lyon"\n'
    assert read_tokens(write(tmp_path, text, "t.csv")) == [
        TokenEntry("abc", {"label": "Paris, Lyon"})
    ]


def test_dash_reads_stdin() -> None:
    assert tokens_of(read_tokens("-", stdin=io.StringIO("abc\ndef\n"))) == ["abc", "def"]
    entries = read_tokens("-", stdin=io.StringIO("\ufefftoken,campaign\nabc,x\n"))
    assert entries == [TokenEntry("abc", {"campaign": "x"})]


def test_dash_reads_real_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("abc\n"))
    assert tokens_of(read_tokens("-")) == ["abc"]


def test_duplicates_asked_once_with_one_warning(tmp_path: Path) -> None:
    text = "token,campaign\nabc,first\ndef,x\nabc,second\ndef,y\nabc,third\n"
    with pytest.warns(UserWarning, match="3 duplicate tokens were dropped") as record:
        entries = read_tokens(write(tmp_path, text, "t.csv"))
    assert len(record) == 1
    assert entries == [
        TokenEntry("abc", {"campaign": "first"}),
        TokenEntry("def", {"campaign": "x"}),
    ]


def test_one_duplicate_is_singular(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="1 duplicate token was dropped"):
        assert tokens_of(read_tokens(write(tmp_path, "abc\nabc \n"))) == ["abc"]


def test_csv_without_token_column(tmp_path: Path) -> None:
    path = write(tmp_path, "rental,campaign\nabc,x\n", "t.csv")
    with pytest.raises(InputError, match="no 'token' column") as info:
        read_tokens(path)
    assert "'rental'" in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file() -> None:
    with pytest.raises(InputError, match=r"No tokens file at nowhere\.txt"):
        read_tokens("nowhere.txt")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        read_tokens(tmp_path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="looks binary"):
        read_tokens(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n", "token\n", "token,x\n"])
def test_empty_list(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError, match="holds no tokens"):
        read_tokens(write(tmp_path, text))


@pytest.mark.parametrize("bad", ["abc def", "abc\x07", "abc\u200bdef"])
def test_malformed_token_names_the_line(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InputError, match=r"line 2: .* is not a rental token"):
        read_tokens(write(tmp_path, f"ok1\n{bad}\n"))


def test_parse_tokens_and_dedupe() -> None:
    assert tokens_of(parse_tokens("a\nb\n")) == ["a", "b"]
    kept, dropped = dedupe_entries([TokenEntry("a", {"k": "1"}), TokenEntry("a", {"k": "2"})])
    assert kept == [TokenEntry("a", {"k": "1"})]
    assert dropped == 1
