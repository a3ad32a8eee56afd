"""The SFTP source against a real SSH/SFTP server (asyncssh) on loopback, started by the test.

The server runs in a background thread's event loop, chrooted to a temporary folder,
with password and public-key authentication.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from connectors.errors import SourceError
from connectors.sources import MemorySource, SftpSource
from tests.factories import Camt053, Payment

USER, PASSWORD = "atelier", "s3cret-sftp"


class SftpServer:
    """An SSH server offering SFTP only, chrooted to ``root``, on 127.0.0.1 and a free port."""

    def __init__(self, root: Path, client_key: asyncssh.SSHKey | None = None) -> None:
        self.root = root
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = client_key
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Any = None

    @property
    def host_key_line(self) -> str:
        return self.host_key.export_public_key("openssh").decode("ascii").strip()

    @property
    def fingerprint(self) -> str:
        return str(self.host_key.get_fingerprint("sha256"))

    def start(self) -> SftpServer:
        root = str(self.root).encode()

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return username == USER and password == PASSWORD

        async def listen() -> Any:
            return await asyncssh.listen(
                host="127.0.0.1", port=0, server_host_keys=[self.host_key], server_factory=Server,
                authorized_client_keys=asyncssh.import_authorized_keys(
                    self.client_key.export_public_key("openssh").decode()) if self.client_key else None,
                sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root), allow_scp=False)

        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        if self._server is not None:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._server = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def put(self, relative: str, data: bytes, mtime: float | None = None) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    def source(self, state_dir: Path, **overrides: Any) -> SftpSource:
        settings: dict[str, Any] = {"host": "127.0.0.1", "port": self.port, "username": USER, "password": PASSWORD,
                                    "host_key": self.host_key_line, "remote_folder": "/out", "state_dir": state_dir,
                                    "timeout": 5.0}
        settings.update(overrides)
        return SftpSource(**settings)


def statement(ref: str, amount: str = "250.00") -> bytes:
    return Camt053([Payment(ref, date(2026, 10, 2), Decimal(amount), "IMPRIMERIE DUBOIS", "VIR FA 2026 00002")],
                   statement_id=f"STMT-{ref}").render()


def run(source: SftpSource, ok: bool = True, reason: str | None = None) -> list[str]:
    """One pull: every pending file acknowledged ``ok``; returns the names fetched."""
    names = []
    for item in source.pending():
        source.acknowledge(item, ok=ok, reason=reason)
        names.append(item.name)
    return names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_each_file_is_pulled_once_and_nothing_is_deleted(server: SftpServer, tmp_path: Path) -> None:
    server.put("out/a.xml", statement("A"), mtime=1_000)
    server.put("out/b.xml", statement("B"), mtime=2_000)
    state = tmp_path / "state"
    first = server.source(state, name="banque")
    items = list(first.pending())
    assert [(i.name, i.read()) for i in items] == [("a.xml", statement("A")), ("b.xml", statement("B"))]
    for item in items:
        first.acknowledge(item, ok=True)
    # A new source object (the next run) reads the state file: nothing is fetched twice.
    assert run(server.source(state, name="banque")) == []
    recorded = json.loads((state / "banque.json").read_text(encoding="utf-8"))["fetched"]
    assert recorded == {"/out/a.xml": {"size": len(statement("A")), "mtime": 1_000},
                        "/out/b.xml": {"size": len(statement("B")), "mtime": 2_000}}
    assert sorted(p.name for p in (server.root / "out").iterdir()) == ["a.xml", "b.xml"]
    assert [p.name for p in state.iterdir()] == ["banque.json"]  # written atomically: no temporary left


def test_a_file_appearing_later_or_changed_is_pulled_next_run(server: SftpServer, tmp_path: Path) -> None:
    server.put("out/a.xml", statement("A"), mtime=1_000)
    state = tmp_path / "state"
    assert run(server.source(state)) == ["a.xml"]
    server.put("out/c.xml", statement("C"), mtime=3_000)
    server.put("out/a.xml", statement("A", "260.00"), mtime=4_000)  # re-issued by the bank
    assert run(server.source(state)) == ["c.xml", "a.xml"]
    assert run(server.source(state)) == []


def test_only_matching_finished_regular_files_are_pulled(server: SftpServer, tmp_path: Path) -> None:
    server.put("out/releve.xml", b"x")
    server.put("out/releve.xml.part", b"x")
    server.put("out/.hidden.xml", b"x")
    server.put("out/notes.txt", b"x")
    server.put("out/sub/nested.xml", b"x")
    assert run(server.source(tmp_path / "state", pattern="*.xml")) == ["releve.xml"]


def test_deletion_and_archiving_only_when_configured(server: SftpServer, tmp_path: Path) -> None:
    server.put("out/a.xml", statement("A"), mtime=1_000)
    assert run(server.source(tmp_path / "s1", delete_after_import=True)) == ["a.xml"]
    assert list((server.root / "out").iterdir()) == []
    server.put("out/b.xml", statement("B"), mtime=2_000)
    server.put("done/b.xml", b"an older b.xml already archived")
    assert run(server.source(tmp_path / "s2", archive_folder="/done")) == ["b.xml"]
    assert list((server.root / "out").iterdir()) == []
    assert (server.root / "done" / "b.1.xml").read_bytes() == statement("B")


def test_a_failed_file_stays_remote_and_is_quarantined_locally(server: SftpServer, tmp_path: Path) -> None:
    server.put("out/bad.ofx", b"OFXHEADER:100", mtime=1_000)
    state = tmp_path / "state"
    source = server.source(state, name="banque", delete_after_import=True)
    assert run(source, ok=False, reason="bad.ofx: truncated") == ["bad.ofx"]
    assert (server.root / "out" / "bad.ofx").exists()
    quarantine = state / "banque" / "quarantine"
    assert (quarantine / "bad.ofx").read_bytes() == b"OFXHEADER:100"
    assert (quarantine / "bad.ofx.error.txt").read_text(encoding="utf-8") == "bad.ofx: truncated\n"
    assert run(server.source(state, name="banque")) == []  # not fetched again until it changes


def test_public_key_authentication(tmp_path: Path) -> None:
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "id_ed25519"
    key_path.write_bytes(client_key.export_private_key("openssh"))
    (tmp_path / "remote" / "out").mkdir(parents=True)
    srv = SftpServer(tmp_path / "remote", client_key=client_key).start()
    try:
        srv.put("out/a.xml", b"A")
        assert run(srv.source(tmp_path / "state", password=None, private_key_path=key_path,
                              host_key=srv.fingerprint)) == ["a.xml"]
    finally:
        srv.stop()


def test_host_key_checking(server: SftpServer, tmp_path: Path) -> None:
    server.put("out/a.xml", b"A")
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    where = f"sftp 127.0.0.1:{server.port}: host refused"
    with pytest.raises(SourceError, match=where):
        list(server.source(tmp_path / "s", host_key=str(stranger.get_fingerprint("sha256"))).pending())
    with pytest.raises(SourceError, match=where):
        list(server.source(tmp_path / "s", host_key=stranger.export_public_key("openssh").decode()).pending())
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{server.port + 1} {server.host_key_line}\n", encoding="utf-8")
    with pytest.raises(SourceError, match=where):
        list(server.source(tmp_path / "s", host_key=None, known_hosts=known_hosts).pending())
    known_hosts.write_text(f"[127.0.0.1]:{server.port} {stranger.export_public_key('openssh').decode()}",
                           encoding="utf-8")
    with pytest.raises(SourceError, match=where):
        list(server.source(tmp_path / "s", host_key=None, known_hosts=known_hosts).pending())
    assert not (tmp_path / "s").exists()  # refused before anything was fetched or recorded
    # The right key, by fingerprint, by known_hosts, or any key when asked explicitly.
    assert [i.name for i in server.source(tmp_path / "s", host_key=server.fingerprint).pending()] == ["a.xml"]
    known_hosts.write_text(f"[127.0.0.1]:{server.port} {server.host_key_line}\n", encoding="utf-8")
    assert [i.name for i in server.source(tmp_path / "s", host_key=None, known_hosts=known_hosts).pending()] == [
        "a.xml"]
    insecure = server.source(tmp_path / "s", host_key=None, insecure_accept_any_host_key=True)
    assert [i.name for i in insecure.pending()] == ["a.xml"]


def test_wrong_password_is_one_line(server: SftpServer, tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        list(server.source(tmp_path / "s", password="wrong").pending())
    message = str(info.value)
    assert message == f"sftp 127.0.0.1:{server.port}: authentication failed for user 'atelier'"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_remote_folder_is_a_source_error(server: SftpServer, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"cannot list remote folder '/nope'"):
        list(server.source(tmp_path / "s", remote_folder="/nope").pending())


def test_server_down_is_a_source_error(tmp_path: Path) -> None:
    source = SftpSource(host="127.0.0.1", port=free_port(), username=USER, password=PASSWORD,
                        host_key="SHA256:x", state_dir=tmp_path / "s", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        list(source.pending())
    assert str(info.value) == f"sftp 127.0.0.1:{source.port}: cannot connect: Connection refused"
    assert "\n" not in str(info.value) and time.monotonic() - started < 3


def test_a_silent_server_times_out_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        source = SftpSource(host="127.0.0.1", port=port, username=USER, password=PASSWORD,
                            insecure_accept_any_host_key=True, state_dir=tmp_path / "s", timeout=0.5)
        with pytest.raises(SourceError) as info:
            list(source.pending())
    assert str(info.value) == f"sftp 127.0.0.1:{port}: no SSH answer within 0.5 s (is it an SSH/SFTP server?)"


def test_sync_goes_on_when_the_sftp_server_is_down(engine: Any, tmp_path: Path) -> None:
    from worker.settings import Settings
    from worker.workflows.sync import sync

    down = SftpSource(name="banque-sftp", host="127.0.0.1", port=free_port(), username=USER, password=PASSWORD,
                      host_key="SHA256:x", state_dir=tmp_path / "s", timeout=2.0)
    memory = MemorySource(files={"releve.xml": statement("M")})
    settings = Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "out")
    summary = sync(engine, settings, None, as_of=date(2026, 10, 6), send=False, sources=[down, memory]).as_json()
    assert [(f["file"], f["status"]) for f in summary["files"]] == [("releve.xml", "imported")]  # type: ignore[index]
    (failure,) = summary["source_errors"]  # type: ignore[misc]
    assert failure["source"] == "banque-sftp" and failure["error"].startswith("sftp 127.0.0.1:")
    assert memory.processed == ["releve.xml"] and summary["matching"] is not None
