"""A throw-away PostgreSQL server for the database tests and the database benchmark.

``RETENTION_TEST_POSTGRES`` (a URI such as ``postgresql://user@127.0.0.1:5432/db``) points the
tests at a running server. Otherwise :func:`start` runs Debian's ``postgresql`` binaries
(``/usr/lib/postgresql/<version>/bin``, which ``.ci/run`` installs) or any ``initdb`` on the
PATH: a new cluster in a temporary folder, listening on 127.0.0.1 on a free port and on a
socket in that folder, trust authentication for the local user ``retention``, no fsync.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user that
the Debian package creates. :meth:`Server.stop` stops it and removes the folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ENV = "RETENTION_TEST_POSTGRES"


class Unavailable(RuntimeError):
    """No server could be started (the message says why)."""


def _bindir() -> Path:
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: float(Path(p).parent.parent.name),
    )
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise Unavailable(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb and no initdb on "
        "PATH): `apt-get install postgresql` (as .ci/run does), or set "
        f"{ENV}=postgresql://user@host:port/db"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    uri: str
    folder: Path | None = None
    bindir: Path | None = None
    run_as: dict = field(default_factory=dict)

    def stop(self) -> None:
        if self.folder is None:
            return
        subprocess.run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            **self.run_as,
        )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def start() -> Server:
    """The server of ``RETENTION_TEST_POSTGRES``, or a new temporary one."""
    if os.environ.get(ENV):
        return Server(os.environ[ENV])
    bindir = _bindir()
    run_as: dict = {}
    folder = Path(tempfile.mkdtemp(prefix="retention-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            raise Unavailable(
                "running as root and there is no `postgres` user to run the server as"
            ) from None
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = {"user": user.pw_uid, "group": user.pw_gid}
    port = _free_port()
    steps = [
        [
            str(bindir / "initdb"),
            "-D",
            str(folder / "data"),
            "-U",
            "retention",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(folder / "data"),
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB",
            "start",
        ],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True, **run_as)
        if done.returncode:
            log = folder / "server.log"
            detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            if log.exists():
                detail += log.read_text().strip().splitlines()[-3:]
            shutil.rmtree(folder, ignore_errors=True)
            raise Unavailable(f"`{Path(cmd[0]).name}` failed: {' | '.join(detail)}")
    return Server(f"postgresql://retention@127.0.0.1:{port}/postgres", folder, bindir, run_as)
