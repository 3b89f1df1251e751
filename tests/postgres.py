"""A throwaway PostgreSQL server for the tests, from Debian's binaries, on a free local port.

It runs as the `postgres` system user when the tests run as root (PostgreSQL refuses root).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make test` (it installs it) "
                           "or `apt-get install postgresql`")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields an asyncpg SQLAlchemy URL of a fresh, empty database; removes everything after."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="langnghe-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "langnghe", "-A", "trust",
                              "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    log = root / "server.log"
    subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                              f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                              "-c synchronous_commit=off -c full_page_writes=off", "start"]),
                   check=True, capture_output=True)
    try:
        for _ in range(100):
            probe = subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                                   capture_output=True)
            if probe.returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "langnghe",
                        "langnghe"], check=True, capture_output=True)
        yield f"postgresql+asyncpg://langnghe@127.0.0.1:{port}/langnghe"
    finally:
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def clone_database(template_url: str, name: str) -> str:
    """A new database copied from the template's (fast: no migrations per test)."""
    from sqlalchemy.engine import make_url

    url = make_url(template_url)
    subprocess.run([str(_bin_dir() / "createdb"), "-h", url.host or "127.0.0.1", "-p", str(url.port),
                    "-U", url.username or "langnghe", "-T", url.database or "langnghe", name],
                   check=True, capture_output=True)
    return url.set(database=name).render_as_string(hide_password=False)


def empty_database(server_url: str, name: str) -> str:
    """A new, empty database on the same server, for tests that migrate from the first revision."""
    return clone_database(make_url_with_database(server_url, "template0"), name)


def make_url_with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)
