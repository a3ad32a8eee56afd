"""Letters (PDF) and phone tasks (JSON) written atomically under the output folder; the memory stub."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reminders_samples import AS_OF, make_context

from reminders.channels import LetterChannel, MemoryChannel, Message, PhoneTaskChannel, build_channels
from reminders.channels.base import Channel, document_path
from reminders.channels.letter import render_letter
from reminders.errors import ChannelError
from reminders.render import compose


def test_letter_pdf_is_written_under_customer_folder(tmp_path: Path) -> None:
    message = compose("formal_notice", "letter", make_context())
    delivery = LetterChannel(tmp_path).send(message)
    expected = tmp_path / "C001" / "formal_notice-2026-11-25-FA-2026-0012_FA-2026-0013.pdf"
    assert delivery.path == expected and delivery.channel == "letter" and delivery.status == "sent"
    data = expected.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 1024
    assert data.rstrip().endswith(b"%%EOF")
    assert [p.name for p in expected.parent.iterdir()] == [expected.name]  # no temp file left


def test_letter_is_deterministic_for_the_same_message() -> None:
    message = compose("second_reminder", "letter", make_context())
    assert render_letter(message) == render_letter(message)


def test_letter_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = compose("second_reminder", "letter", make_context())
    channel = LetterChannel(tmp_path)
    first = channel.send(message).path
    assert first is not None
    before = first.read_bytes()
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spying_replace(src: str, dst: str) -> None:
        renames.append((str(src), str(dst)))
        assert Path(src).parent == Path(dst).parent and Path(src).read_bytes().startswith(b"%PDF")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spying_replace)
    channel.send(message)
    assert len(renames) == 1 and renames[0][1] == str(first)

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ChannelError, match="No space left"):
        channel.send(message)
    assert first.read_bytes() == before  # the previous letter is intact
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # the temp file was removed


def test_letter_needs_a_postal_address(tmp_path: Path) -> None:
    with pytest.raises(ChannelError, match="no postal address"):
        LetterChannel(tmp_path).send(Message(to=(), subject="s", text="t", recipient_lines=("Only a name",)))


def test_paths_cannot_escape_the_output_folder(tmp_path: Path) -> None:
    message = Message(to=(), subject="s", text="t", customer_ref="../../etc", level="../x",
                      invoice_numbers=("A/1", ".."), as_of=AS_OF)
    path = document_path(tmp_path, message, ".pdf")
    assert path.resolve().is_relative_to(tmp_path.resolve())
    assert path.parent.parent == tmp_path
    many = Message(to=(), subject="s", text="t", customer_ref="C1", level="l",
                   invoice_numbers=tuple(f"FA-2026-{i:04d}" for i in range(200)), as_of=AS_OF)
    assert len(document_path(tmp_path, many, ".pdf").name) < 120


def test_phone_task_has_a_call_script(tmp_path: Path) -> None:
    message = compose("first_reminder", "phone", make_context())
    delivery = PhoneTaskChannel(tmp_path).send(message)
    assert delivery.path == tmp_path / "C001" / "call-first_reminder-2026-11-25-FA-2026-0012_FA-2026-0013.json"
    task = json.loads(delivery.path.read_text(encoding="utf-8"))
    assert task["phone_numbers"] == ["+33 4 78 00 00 00"]
    assert task["amount_due"] == "1334.40" and task["invoice_numbers"] == ["FA-2026-0012", "FA-2026-0013"]
    assert "Atelier Dupont & Fils" in task["script"]["opening"]
    assert any("date" in q for q in task["script"]["questions"])
    assert task["script"]["details"][0].startswith("FA-2026-0012 : échéance le 09/11/2026")


def test_phone_needs_a_number(tmp_path: Path) -> None:
    with pytest.raises(ChannelError, match="no phone number"):
        PhoneTaskChannel(tmp_path).send(Message(to=(), subject="s", text="t", customer_ref="C1"))


def test_memory_channel_records_and_fails_on_demand() -> None:
    channel = MemoryChannel("email")
    message = Message(to=("a@b.example",), subject="s", text="t")
    assert channel.send(message).provider_id == "memory-1"
    channel.fail_with = "server down"
    with pytest.raises(ChannelError, match="server down"):
        channel.send(message)
    assert channel.sent == [message] and channel.attempts == 2


def test_every_channel_satisfies_the_protocol(tmp_path: Path) -> None:
    channels = build_channels("smtp://127.0.0.1:2525", "compta@dupont.example", tmp_path)
    for name, channel in {**channels, "memory": MemoryChannel()}.items():
        assert isinstance(channel, Channel), name
    assert channels["letter"].send(compose("second_reminder", "letter", make_context())).path is not None
    assert (tmp_path / "letters" / "C001").is_dir()
