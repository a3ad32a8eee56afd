"""An SFTP folder at the bank (or at the firm's file exchange), read with paramiko.

Each run connects, lists ``remote_folder`` for names matching ``pattern`` and downloads
the files it has not fetched before. What was fetched is remembered locally, in a small
JSON state file per source (remote path, size, modification time), written atomically
once each file is acknowledged: a remote file is imported once, and fetched again only
if it changes (a new size or modification time).

The remote side is left alone by default: nothing is deleted unless
``delete_after_import`` is set, nothing is moved unless ``archive_folder`` is set, and
files that failed to import are never touched remotely; a local copy of each goes to
``<state_dir>/<source>/quarantine/`` with ``<name>.error.txt`` beside it.

The server must prove who it is: give its ``host_key`` (an OpenSSH public key line such as
``ssh-ed25519 AAAA…`` or a ``SHA256:…`` fingerprint) or a ``known_hosts`` file; without
either, the user's own ``~/.ssh/known_hosts`` is used. An unknown host is refused unless
``insecure_accept_any_host_key`` is set. Every failure is a one-line ``SourceError``
naming ``host:port`` and what failed.
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import os
import posixpath
import re
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paramiko
from paramiko.ssh_exception import NoValidConnectionsError

from connectors.errors import SourceError
from connectors.protocol import IncomingFile
from connectors.sources.inbox import is_temporary_name, set_aside


def one_line(text: object) -> str:
    """``text`` with all whitespace (newlines included) collapsed to single spaces."""
    return " ".join(str(text).split())


def fingerprint(key: paramiko.PKey) -> str:
    """The OpenSSH SHA256 fingerprint of a public key: ``SHA256:`` and unpadded base64."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def safe_name(name: str) -> str:
    """A file-name-safe form of a source name, for its state file and quarantine folder."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "sftp"


class _UnknownHost(paramiko.SSHException):
    """The server's key is not the expected one, or the host is not known."""


class _ExpectedKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Accepts the server only when its key is ``expected`` (a public key line or a SHA256 fingerprint)."""

    def __init__(self, expected: str) -> None:
        self.expected = expected.strip()

    def matches(self, key: paramiko.PKey) -> bool:
        if self.expected.startswith("SHA256:"):
            return fingerprint(key) == self.expected.rstrip("=")
        parts = self.expected.split()
        return len(parts) >= 2 and parts[0] == key.get_name() and parts[1] == key.get_base64()

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        if not self.matches(key):
            raise _UnknownHost(f"host key {key.get_name()} {fingerprint(key)} is not the configured host_key")


class _RejectPolicy(paramiko.MissingHostKeyPolicy):
    """Refuses any host missing from the loaded known_hosts."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise _UnknownHost(f"unknown host key {key.get_name()} {fingerprint(key)} (not in known_hosts)")


class _AcceptAnyPolicy(paramiko.MissingHostKeyPolicy):
    """Accepts any server key, remembering nothing: only when configured explicitly."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        return None


@dataclass(frozen=True)
class _Remote:
    path: str
    name: str
    size: int
    mtime: int


class SftpSource:
    """Statement files from a folder on an SFTP server; see the module's docstring for the rules."""

    def __init__(self, *, host: str, username: str, state_dir: Path, name: str | None = None, port: int = 22,
                 password: str | None = None, private_key_path: Path | None = None,
                 private_key_passphrase: str | None = None, host_key: str | None = None,
                 known_hosts: Path | None = None, insecure_accept_any_host_key: bool = False,
                 remote_folder: str = ".", pattern: str = "*", delete_after_import: bool = False,
                 archive_folder: str | None = None, timeout: float = 15.0) -> None:
        if password is None and private_key_path is None:
            raise ValueError("an SFTP source needs a password or a private key")
        if delete_after_import and archive_folder:
            raise ValueError("delete_after_import and archive_folder exclude each other")
        self.name = name or f"sftp:{host}"
        self.host, self.port, self.username = host, port, username
        self.password = password
        self.private_key_path = Path(private_key_path) if private_key_path else None
        self.private_key_passphrase = private_key_passphrase
        self.host_key = host_key
        self.known_hosts = Path(known_hosts) if known_hosts else None
        self.insecure_accept_any_host_key = insecure_accept_any_host_key
        self.remote_folder = remote_folder or "."
        self.pattern = pattern or "*"
        self.delete_after_import = delete_after_import
        self.archive_folder = archive_folder
        self.timeout = timeout
        self.state_dir = Path(state_dir)
        self.state_path = self.state_dir / f"{safe_name(self.name)}.json"
        self.quarantine_dir = self.state_dir / safe_name(self.name) / "quarantine"
        self.spool_dir = self.state_dir / safe_name(self.name) / "spool"  # downloads waiting for their import
        self._sftp: paramiko.SFTPClient | None = None
        self._fetched: dict[str, dict[str, int]] | None = None
        self._inflight: dict[str, _Remote] = {}

    # -- errors -------------------------------------------------------------------
    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _error(self, what: str, exc: Exception | None = None) -> SourceError:
        detail = ""
        if exc is not None:
            detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            detail = f": {one_line(detail)}"
        return SourceError(f"sftp {self.where}: {what}{detail}")

    # -- state ----------------------------------------------------------------------
    def _load_state(self) -> dict[str, dict[str, int]]:
        if not self.state_path.exists():
            return {}
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
            fetched = raw["fetched"]
            return {str(k): {"size": int(v["size"]), "mtime": int(v["mtime"])} for k, v in fetched.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"sftp {self.where}: state file {self.state_path} is unreadable ({one_line(exc)}); "
                              "move it aside to fetch every remote file again") from None

    def _save_state(self) -> None:
        assert self._fetched is not None
        document = {"source": self.name, "host": self.where, "remote_folder": self.remote_folder,
                    "fetched": dict(sorted(self._fetched.items()))}
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_name(f".{self.state_path.name}.tmp")
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.state_path)
        except OSError as exc:
            raise SourceError(f"sftp {self.where}: cannot write state file {self.state_path}: "
                              f"{one_line(exc.strerror or exc)}") from None

    # -- connection -------------------------------------------------------------------
    def _client(self) -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        if self.insecure_accept_any_host_key:
            client.set_missing_host_key_policy(_AcceptAnyPolicy())
        elif self.host_key:
            client.set_missing_host_key_policy(_ExpectedKeyPolicy(self.host_key))
        else:
            try:
                if self.known_hosts:
                    client.load_host_keys(str(self.known_hosts))
                else:
                    client.load_system_host_keys()
            except OSError as exc:
                raise self._error(f"cannot read known_hosts {self.known_hosts}", exc) from None
            client.set_missing_host_key_policy(_RejectPolicy())
        return client

    def _pkey(self) -> paramiko.PKey | None:
        if self.private_key_path is None:
            return None
        try:
            return paramiko.PKey.from_path(self.private_key_path, self.private_key_passphrase)
        except paramiko.PasswordRequiredException:
            raise self._error(f"private key {self.private_key_path} needs a passphrase") from None
        except (OSError, paramiko.SSHException, ValueError) as exc:
            raise self._error(f"cannot read private key {self.private_key_path}", exc) from None

    def _open(self) -> tuple[paramiko.SSHClient, paramiko.SFTPClient]:
        client = self._client()
        pkey = self._pkey()
        try:
            client.connect(self.host, port=self.port, username=self.username, password=self.password, pkey=pkey,
                           timeout=self.timeout, banner_timeout=self.timeout, auth_timeout=self.timeout,
                           channel_timeout=self.timeout, allow_agent=False, look_for_keys=False)
            sftp = client.open_sftp()
            channel = sftp.get_channel()
            if channel is not None:
                channel.settimeout(self.timeout)
            return client, sftp
        except (paramiko.SSHException, OSError, EOFError) as exc:
            client.close()
            raise self._translate(exc) from None
        except BaseException:
            client.close()
            raise

    def _translate(self, exc: Exception) -> SourceError:
        """A one-line SourceError for what went wrong while connecting."""
        if isinstance(exc, _UnknownHost):
            return self._error(f"host refused: {exc}")
        if isinstance(exc, paramiko.BadHostKeyException):
            return self._error("host refused: its key differs from the one in known_hosts")
        if isinstance(exc, paramiko.AuthenticationException):
            return self._error(f"authentication failed for user {self.username!r}")
        if isinstance(exc, socket.gaierror):
            return self._error(f"cannot resolve host {self.host!r}")
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return self._error(f"timed out after {self.timeout:g} s")
        if isinstance(exc, NoValidConnectionsError) and exc.errors:
            first = next(iter(exc.errors.values()))
            return self._error("cannot connect", first)
        if isinstance(exc, (OSError, EOFError)):
            return self._error("cannot connect", exc)
        if "banner" in str(exc).lower() or "no existing session" in str(exc).lower():
            return self._error(f"no SSH answer within {self.timeout:g} s (is it an SSH/SFTP server?)")
        return self._error("SSH failure", exc)

    @contextmanager
    def _session(self) -> Iterator[paramiko.SFTPClient]:
        """The open SFTP session (``pending`` keeps one while it runs), or a new one for this block."""
        if self._sftp is not None:
            yield self._sftp
            return
        client, sftp = self._open()
        self._sftp = sftp
        try:
            yield sftp
        finally:
            self._sftp = None
            sftp.close()
            client.close()

    # -- the protocol ------------------------------------------------------------------
    def _listing(self, sftp: paramiko.SFTPClient) -> list[_Remote]:
        try:
            entries = sftp.listdir_attr(self.remote_folder)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self._error(f"cannot list remote folder {self.remote_folder!r}", exc) from None
        remote = []
        for entry in entries:
            name = entry.filename
            if entry.st_mode is None or not stat.S_ISREG(entry.st_mode):
                continue
            if is_temporary_name(name) or not fnmatch.fnmatchcase(name, self.pattern):
                continue
            remote.append(_Remote(path=posixpath.join(self.remote_folder, name), name=name,
                                  size=int(entry.st_size or 0), mtime=int(entry.st_mtime or 0)))
        remote.sort(key=lambda r: (r.mtime, r.name))
        return remote

    def _is_known(self, item: _Remote) -> bool:
        assert self._fetched is not None
        seen = self._fetched.get(item.path)
        return seen is not None and seen == {"size": item.size, "mtime": item.mtime}

    def _spool_path(self, name: str) -> Path:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        return self.spool_dir / f"{len(self._inflight):06d}-{safe_name(name)}"

    def _clear_spool(self) -> None:
        """Drops downloads left by an interrupted run: they were never acknowledged, so they are fetched again."""
        if self.spool_dir.is_dir():
            for left in self.spool_dir.iterdir():
                left.unlink(missing_ok=True)

    def pending(self) -> Iterator[IncomingFile]:
        """Downloads, oldest first, each matching remote file not fetched before (or changed since), into
        a spool folder beside the source's state; the file there is deleted (or quarantined) when acknowledged."""
        self._fetched = self._load_state()
        self._inflight = {}
        self._clear_spool()
        with self._session() as sftp:
            listing = self._listing(sftp)
            present = {r.path for r in listing}
            folder = posixpath.normpath(self.remote_folder)
            for path in [p for p in self._fetched if posixpath.dirname(posixpath.normpath(p)) == folder]:
                if path not in present:  # gone from the server: forget it, keeping the state small
                    del self._fetched[path]
            for item in listing:
                if self._is_known(item):
                    continue
                # Spooled to disk, not held in memory: the import streams the file from there.
                spool = self._spool_path(item.name)
                try:
                    with spool.open("wb") as out:
                        sftp.getfo(item.path, out)
                except (OSError, paramiko.SSHException, EOFError) as exc:
                    spool.unlink(missing_ok=True)
                    raise self._error(f"cannot download {item.path!r}", exc) from None
                self._inflight[item.path] = item
                yield IncomingFile(name=item.name, data=None, key=item.path, path=spool)

    def acknowledge(self, item: IncomingFile, ok: bool, reason: str | None = None) -> None:
        """Remembers the file as fetched; archives or deletes it remotely only if configured and imported."""
        remote = self._inflight.pop(item.key, None)
        if remote is None or self._fetched is None:
            raise SourceError(f"sftp {self.where}: {item.key} is not pending in {self.name}")
        if not ok:
            try:
                set_aside(self.quarantine_dir, item.name, item.data, item.path, reason or "no reason given")
            except OSError as exc:
                raise self._error(f"cannot keep a quarantine copy in {self.quarantine_dir}", exc) from None
        elif item.path is not None:
            item.path.unlink(missing_ok=True)
            for folder in (self.spool_dir, self.spool_dir.parent):  # leave no empty folder behind
                try:
                    folder.rmdir()
                except OSError:
                    break
        self._fetched[remote.path] = {"size": remote.size, "mtime": remote.mtime}
        self._save_state()
        if ok and (self.delete_after_import or self.archive_folder):
            with self._session() as sftp:
                self._clean_up(sftp, remote)

    def _clean_up(self, sftp: paramiko.SFTPClient, remote: _Remote) -> None:
        try:
            if self.delete_after_import:
                sftp.remove(remote.path)
                return
            assert self.archive_folder is not None
            try:
                sftp.stat(self.archive_folder)
            except FileNotFoundError:
                sftp.mkdir(self.archive_folder)
            sftp.rename(remote.path, self._free_remote(sftp, remote.name))
        except (OSError, paramiko.SSHException, EOFError) as exc:
            action = "delete" if self.delete_after_import else f"move to {self.archive_folder!r}"
            raise self._error(f"imported {remote.path!r} but cannot {action}", exc) from None

    def _free_remote(self, sftp: paramiko.SFTPClient, name: str) -> str:
        assert self.archive_folder is not None
        stem, suffix = posixpath.splitext(name)
        candidate, n = posixpath.join(self.archive_folder, name), 0
        while self._exists(sftp, candidate):
            n += 1
            candidate = posixpath.join(self.archive_folder, f"{stem}.{n}{suffix}")
        return candidate

    @staticmethod
    def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
        try:
            sftp.stat(path)
        except FileNotFoundError:
            return False
        return True

    def __repr__(self) -> str:
        return f"SftpSource(name={self.name!r}, host={self.where!r}, folder={self.remote_folder!r})"

