"""Follow the README's five-minute tutorial in a fresh directory, from the built wheel.

    python scripts/tutorial.py [--wheel dist/x.whl] [--python python3.13] [--keep] [--production]

Runs the README's blocks marked ``<!-- tutorial: ACTION [PATH] -->`` in order:
``run`` (a shell block, in the project's venv once it exists), ``append PATH`` /
``write PATH`` (a file of the project), ``serve`` (the ASGI server, on a free
port) and ``send`` (run while a logged-in WebSocket is open, which must then
receive the notification). Three changes only, each because a script is not a
person: the install line takes the wheel instead of the clone, ``createsuperuser``
gets ``--noinput`` (the password comes from ``DJANGO_SUPERUSER_PASSWORD``), and the
server's port is a free one. Exits non-zero, with the failing step's output,
when any step fails. Needs nothing but the standard library (the probe runs in
the tutorial's own venv, which has ``websockets`` through uvicorn[standard]).

``--production`` then follows the README's "Production deployment" section on
the same project (blocks marked ``<!-- tutorial-production: ... -->``) against a
real PostgreSQL and Redis (``PGHOST``/``PGPORT``/``PGUSER``, default
127.0.0.1:5432 postgres, and ``REDIS_URL``): the settings block is appended with
the placeholders ``db.internal``/``app``/``redis.internal`` pointed at them (a
fresh database), the tutorial's migrate step runs again, the server and the
task worker start as written (on a free port), and one shell send and one
background send must reach every one of eight sockets spread over the workers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- tutorial: (\w+)(?: (\S+))? -->\n```\w*\n(.*?)\n```", re.S)
EMAIL_MARKER = re.compile(r"<!-- tutorial-email: (\w+)(?: (\S+))? -->\n```\w*\n(.*?)\n```", re.S)
PRODUCTION_MARKER = re.compile(
    r"<!-- tutorial-production: (\w+)(?: (\S+))? -->\n```\w*\n(.*?)\n```", re.S
)
PASSWORD = "tutorial-password-1"
TITLE = "Ann liked your post"

PROBE = r'''
"""Log in as admin, check the page and the API, open the socket, run the send, see the frame."""
import http.cookiejar, json, subprocess, sys, urllib.parse, urllib.request
from websockets.sync.client import connect

base, password, send_script, title = sys.argv[1:5]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

def get(path):
    with opener.open(base + path, timeout=30) as response:
        return response.status, response.read().decode()

anonymous = urllib.request.Request(base + "/notifications/", headers={"Accept": "application/json"})
try:
    urllib.request.urlopen(anonymous, timeout=30)
    sys.exit("the API answered an anonymous request")
except urllib.error.HTTPError as error:
    assert error.code in (401, 403), error.code

status, login_page = get("/admin/login/?next=/")
csrf = next(c.value for c in jar if c.name == "csrftoken")
form = urllib.parse.urlencode({"username": "admin", "password": password,
                               "csrfmiddlewaretoken": csrf, "next": "/"}).encode()
request = urllib.request.Request(base + "/admin/login/?next=/", data=form,
                                 headers={"Referer": base + "/admin/login/"})
with opener.open(request, timeout=30) as response:
    page = response.read().decode()
    assert response.url.rstrip("/") == base, response.url
assert "<notifications-inbox inline" in page, page[:400]
assert get("/static/notifications/inbox.js")[0] == 200
assert get("/static/notifications/client.js")[0] == 200
status, body = get("/notifications/?readed=false")
assert json.loads(body)["count"] == 0, body
assert get("/api/docs/")[0] == 200

cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
socket_url = base.replace("http://", "ws://") + "/ws/notifications"
with connect(socket_url, additional_headers={"Cookie": cookies, "Origin": base},
             open_timeout=30) as websocket:
    sent = subprocess.run(["bash", "-euo", "pipefail", "-c", send_script],
                          capture_output=True, text=True, timeout=120)
    if sent.returncode:
        sys.exit(f"the send step failed:\n{sent.stdout}\n{sent.stderr}")
    frame = json.loads(websocket.recv(timeout=15))
assert frame["action"] == "new", frame
assert frame["notification"]["event"]["title"] == title, frame
status, body = get("/notifications/?readed=false")
listed = json.loads(body)
assert listed["count"] == 1, body
print(json.dumps({"frame": frame["action"], "title": frame["notification"]["event"]["title"],
                  "url": frame["notification"]["event"].get("url"), "unread": listed["count"]}))
'''

PRODUCTION_PROBE = r'''
"""Log in, open eight sockets (spread over the workers), run each send, see it on every one."""
import http.cookiejar, json, subprocess, sys, urllib.parse, urllib.request
from websockets.sync.client import connect

base, password, sends = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
opener.open(base + "/admin/login/?next=/", timeout=30).read()
csrf = next(c.value for c in jar if c.name == "csrftoken")
form = urllib.parse.urlencode({"username": "admin", "password": password,
                               "csrfmiddlewaretoken": csrf, "next": "/"}).encode()
request = urllib.request.Request(base + "/admin/login/?next=/", data=form,
                                 headers={"Referer": base + "/admin/login/"})
opener.open(request, timeout=30).read()
cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
url = base.replace("http://", "ws://") + "/ws/notifications"
sockets = [connect(url, additional_headers={"Cookie": cookies, "Origin": base}, open_timeout=30)
           for _ in range(8)]
received = {}
for title, script in sends:
    sent = subprocess.run(["bash", "-euo", "pipefail", "-c", script],
                          capture_output=True, text=True, timeout=300)
    if sent.returncode:
        sys.exit(f"the send failed:\n{sent.stdout}\n{sent.stderr}")
    titles = []
    for websocket in sockets:
        frame = json.loads(websocket.recv(timeout=60))
        assert frame["action"] == "new", frame
        titles.append(frame["notification"]["event"]["title"])
    assert titles == [title] * len(sockets), titles
    received[title] = len(titles)
for websocket in sockets:
    websocket.close()
print(json.dumps(received))
'''

#: A send to the admin, in the shell; ``extra`` adds keyword arguments.
SEND = '''python manage.py shell -c "
from django.contrib.auth import get_user_model
from notifications.helpers import send_notification
users = get_user_model().objects.filter(username='admin')
send_notification('post_like', '{title}', users=users{extra})
"'''


def blocks(readme: Path) -> list[tuple[str, str | None, str]]:
    """The tutorial's marked blocks, in order: (action, path, code)."""
    section = readme.read_text().split("## Five-minute tutorial", 1)[1].split("\n## ", 1)[0]
    return [(m.group(1), m.group(2), m.group(3) + "\n") for m in MARKER.finditer(section)]


def email_blocks(readme: Path) -> list[tuple[str, str | None, str]]:
    """The "Email and Web Push" section's marked blocks: pasted into the tutorial's project."""
    found = EMAIL_MARKER.finditer(readme.read_text())
    return [(m.group(1), m.group(2), m.group(3) + "\n") for m in found]


def production_blocks(readme: Path) -> list[tuple[str, str | None, str]]:
    """The "Production deployment" section's marked blocks, in order."""
    found = PRODUCTION_MARKER.finditer(readme.read_text())
    return [(m.group(1), m.group(2), m.group(3) + "\n") for m in found]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sh(script: str, cwd: Path, env: dict[str, str], what: str, timeout: int = 900) -> str:
    """Run a shell block; exit with its output when it fails."""
    venv = ". .venv/bin/activate\n" if (cwd / ".venv/bin/activate").exists() else ""
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", venv + script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    print(f"-- {what}: exit {result.returncode} in {time.monotonic() - started:.1f} s", flush=True)
    if result.returncode:
        output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        sys.exit(f"step failed: {what}\n{script}\n{output}")
    return result.stdout + result.stderr


def newest_wheel() -> Path:
    wheels = sorted((REPO / "dist").glob("django_rest_notifications-*.whl"), key=os.path.getmtime)
    if not wheels:
        sys.exit("no wheel in dist/: run `make dist` first")
    return wheels[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wheel", type=Path, default=None)
    parser.add_argument("--python", default="python3", help="the interpreter `python3` means")
    parser.add_argument("--keep", action="store_true", help="keep the project directory")
    parser.add_argument(
        "--production",
        action="store_true",
        help="then the Production deployment section, on PostgreSQL and Redis",
    )
    args = parser.parse_args()
    wheel = (args.wheel or newest_wheel()).resolve()
    steps = blocks(REPO / "README.md")
    actions = [action for action, _, _ in steps]
    assert actions.count("serve") == 1, actions
    assert actions.count("send") == 1, actions

    work = Path(tempfile.mkdtemp(prefix="tutorial-"))
    bindir = work / "bin"  # `python3` is the interpreter under test
    bindir.mkdir()
    wrapper = bindir / "python3"  # a wrapper, not a symlink: a venv's python finds its venv
    wrapper.write_text(f'#!/bin/sh\nexec "{shutil.which(args.python) or args.python}" "$@"\n')
    wrapper.chmod(0o755)
    ours = ("DJANGO_", "NOTIFICATIONS_", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env |= {
        "PATH": f"{bindir}:{env['PATH']}",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    project = work / "project"
    project.mkdir()
    port = free_port()
    server = None
    processes: list[subprocess.Popen[bytes]] = []
    databases: list[str] = []  # the dropdb commands of the databases it created
    print(f"tutorial in {project}, wheel {wheel.name}, python3 = {args.python}", flush=True)
    try:
        for action, path, code in steps:
            if action == "run":
                code = re.sub(r'pip install "[^"\[]+\[', f'pip install "{wheel}[', code)
                code = code.replace("createsuperuser ", "createsuperuser --noinput ")
                sh(code, project, env, code.strip().splitlines()[-1][:70])
            elif action in ("append", "write"):
                assert path, action
                target = project / path
                target.parent.mkdir(parents=True, exist_ok=True)
                before = target.read_text() + "\n" if action == "append" and target.exists() else ""
                target.write_text(before + code)
                print(f"-- {action} {path}", flush=True)
            elif action == "serve":
                command = code.strip().replace("--port 8000", f"--port {port}")
                log = (work / "server.log").open("w")
                server = subprocess.Popen(
                    ["bash", "-c", f". .venv/bin/activate && exec {command}"],
                    cwd=project,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                wait_for(port, server, work / "server.log")
                print(f"-- serve: {command}", flush=True)
            elif action == "send":
                venv = ". .venv/bin/activate\n"
                probe = work / "probe.py"
                probe.write_text(PROBE)
                result = subprocess.run(
                    [
                        str(project / ".venv/bin/python"),
                        str(probe),
                        f"http://127.0.0.1:{port}",
                        PASSWORD,
                        f"cd {project}\n{venv}{code}",
                        TITLE,
                    ],
                    cwd=project,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
                if result.returncode:
                    server_log = (work / "server.log").read_text()[-4000:]
                    sys.exit(
                        f"the socket did not get the shell send:\n{result.stdout}\n"
                        f"{result.stderr}\n--- server log\n{server_log}"
                    )
                report = json.loads(result.stdout.strip().splitlines()[-1])
                print(f"-- send: the open socket received {report}", flush=True)
            else:
                sys.exit(f"unknown tutorial action {action!r}")
        email(project, env, wheel)
        if args.production:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
                server = None
            migrate = next(code for action, _, code in steps if "migrate" in code)
            processes += production(project, env, wheel, work, migrate, databases)
    finally:
        for process in [server, *processes]:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        for dropdb in databases:
            subprocess.run(["bash", "-c", dropdb], env=env, capture_output=True, check=False)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("tutorial: every step passed")


def email(project: Path, env: dict[str, str], wheel: Path) -> None:
    """The README's email settings, pasted as written: check, migrate and run_channels pass."""
    for action, path, code in email_blocks(REPO / "README.md"):
        if action == "run":
            code = re.sub(r'pip install "[^"\[]+\[', f'pip install "{wheel}[', code)
            sh(code, project, env, code.strip().splitlines()[-1][:70])
        else:
            assert action == "append", action
            assert path
            target = project / path
            target.write_text(target.read_text() + "\n" + code)
            print(f"-- email: {action} {path}", flush=True)
    checked = sh("python manage.py check", project, env, "email: manage.py check")
    assert "notifications.E" not in checked, checked
    sh("python manage.py migrate", project, env, "email: manage.py migrate")
    sh("python manage.py run_channels", project, env, "email: manage.py run_channels")


def production(
    project: Path, env: dict[str, str], wheel: Path, work: Path, migrate: str, databases: list[str]
) -> list[subprocess.Popen[bytes]]:
    """The README's production section on the tutorial's project; the processes it started.

    The database it creates is dropped by the caller (its ``dropdb`` is added to ``databases``).
    """
    host, port = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    database = f"tutorial_{uuid.uuid4().hex[:12]}"
    sh(f'createdb -h {host} -p {port} -U {user} "{database}"', project, env, "createdb")
    databases.append(f'dropdb -h {host} -p {port} -U {user} --force "{database}"')
    started: list[subprocess.Popen[bytes]] = []
    served = free_port()
    serve: str | None = None
    for action, path, code in production_blocks(REPO / "README.md"):
        if action == "run":
            code = re.sub(r'pip install "[^"\[]+\[', f'pip install "{wheel}[', code)
            sh(code, project, env, "production: " + code.strip().splitlines()[-1][:60])
        elif action == "append":
            assert path
            code = (
                code.replace('"HOST": "db.internal"', f'"HOST": "{host}", "PORT": "{port}"')
                .replace('"NAME": "app"', f'"NAME": "{database}"')
                .replace('"USER": "app"', f'"USER": "{user}"')
                .replace('"PASSWORD": "…"', '"PASSWORD": ""')
                .replace("redis://redis.internal:6379/0", redis_url)
            )
            target = project / path
            target.write_text(target.read_text() + "\n" + code)
            print(f"-- production: append {path}", flush=True)
        elif action == "serve":
            serve = code
        else:
            sys.exit(f"unknown production action {action!r}")
    assert serve is not None, "no production serve block"
    migrate = migrate.replace("createsuperuser ", "createsuperuser --noinput ")
    sh(migrate, project, env, "production: migrate and createsuperuser on PostgreSQL")
    web, worker, prune = [line.split("#", 1)[0].strip() for line in serve.strip().splitlines()]
    web = web.replace("--host 0.0.0.0 --port 8000", f"--host 127.0.0.1 --port {served}")
    for command, name in ((web, "production-server.log"), (worker, "worker.log")):
        log = (work / name).open("w")
        started.append(
            subprocess.Popen(
                ["bash", "-c", f". .venv/bin/activate && exec {command}"],
                cwd=project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    wait_for(served, started[0], work / "production-server.log")
    print(f"-- production: serve `{web}` and `{worker}`", flush=True)
    sends = [
        (title, f"cd {project}\n. .venv/bin/activate\n" + SEND.format(title=title, extra=extra))
        for title, extra in (("From a shell", ""), ("From the task worker", ", background=True"))
    ]
    probe = work / "production_probe.py"
    probe.write_text(PRODUCTION_PROBE)
    result = subprocess.run(
        [
            str(project / ".venv/bin/python"),
            str(probe),
            f"http://127.0.0.1:{served}",
            PASSWORD,
            json.dumps(sends),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode:
        logs = "".join(
            f"--- {name}\n{(work / name).read_text()[-3000:]}\n"
            for name in ("production-server.log", "worker.log")
        )
        sys.exit(f"production: a socket missed a send:\n{result.stdout}\n{result.stderr}\n{logs}")
    report = result.stdout.strip().splitlines()[-1]
    print(f"-- production: frames per send over the eight sockets {report}", flush=True)
    sh(prune, project, env, "production: " + prune[:60])
    return started


def wait_for(port: int, server: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not listen within {timeout} s:\n{log.read_text()}")


if __name__ == "__main__":
    main()
