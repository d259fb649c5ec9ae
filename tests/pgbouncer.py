"""A private PgBouncer in transaction pooling mode in front of the local PostgreSQL.

Debian's ``pgbouncer`` run as a plain process (never systemd) on a free loopback port
with a generated ini; as root it drops to ``postgres`` (PgBouncer refuses to run as
root). Killed on exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.servers import free_port

INI = """\
[databases]
* = host={pg_host} port={pg_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
admin_users = {user}
max_client_conn = 200
default_pool_size = 10
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


@contextlib.contextmanager
def pgbouncer(user: str = "postgres") -> Iterator[int]:
    """Start PgBouncer (transaction pooling) on a free port; yield the port."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise RuntimeError("pgbouncer is not installed: apt-get install -y pgbouncer")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o777)
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        INI.format(
            pg_host=os.environ.get("PGHOST", "127.0.0.1"),
            pg_port=os.environ.get("PGPORT", "5432"),
            port=port,
            folder=folder,
            user=user,
        )
    )
    command = [binary, "-q", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                psycopg.connect(
                    host="127.0.0.1", port=port, user=user, dbname="postgres", connect_timeout=1
                ).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = folder / "pgbouncer.log"
                    raise RuntimeError(
                        f"pgbouncer did not start: {log.read_text() if log.exists() else ''}"
                    ) from None
                time.sleep(0.05)
        yield port
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def server_ports(port: int, user: str = "postgres") -> set[int]:
    """The local ports of PgBouncer's connections to PostgreSQL (its ``SHOW SERVERS``)."""
    with psycopg.connect(
        host="127.0.0.1", port=port, user=user, dbname="pgbouncer", autocommit=True
    ) as admin:
        cursor = admin.execute("SHOW SERVERS")
        columns = [column.name for column in cursor.description or ()]
        return {int(row[columns.index("local_port")]) for row in cursor.fetchall()}
