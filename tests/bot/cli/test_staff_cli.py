"""`chatcart staff …`: accounts added, listed, re-passworded and removed from the terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli.main import main


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATCART_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    return tmp_path


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_accounts_from_the_terminal(
    shop: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            monkeypatch,
            "staff",
            "add",
            "Owner@Chai.example",
            "--role",
            "owner",
            "--password-stdin",
            stdin="a-long-password\n",
        )
        == 0
    )
    assert (
        run(
            monkeypatch,
            "staff",
            "add",
            "ops@chai.example",
            "--role",
            "ops",
            "--password-stdin",
            stdin="another-password\n",
        )
        == 0
    )
    assert "ops@chai.example can now sign in at /admin/login as ops." in capsys.readouterr().out
    assert run(monkeypatch, "staff", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in listed] == [
        ["ops@chai.example", "ops"],
        ["owner@chai.example", "owner"],
    ]
    assert (
        run(monkeypatch, "staff", "set-password", "ops@chai.example", "--password-stdin", stdin="short\n")
        == 1
    )
    assert "at least 10 characters" in capsys.readouterr().err
    assert (
        run(
            monkeypatch,
            "staff",
            "add",
            "ops@chai.example",
            "--role",
            "ops",
            "--password-stdin",
            stdin="x-long-password\n",
        )
        == 1
    )
    assert "already has an account" in capsys.readouterr().err
    assert run(monkeypatch, "staff", "remove", "owner@chai.example") == 1
    assert "the only owner" in capsys.readouterr().err
    assert run(monkeypatch, "staff", "remove", "ops@chai.example") == 0
    assert "ops@chai.example can no longer sign in" in capsys.readouterr().out
    assert run(monkeypatch, "staff", "list") == 0
    assert "ops@chai.example" not in capsys.readouterr().out
