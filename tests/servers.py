"""Real servers for the e2e, crash, security and benchmark code: a uvicorn subprocess with its own
database (a SQLite file or a fresh PostgreSQL database), serving a 127.0.0.1 socket this process bound.

The test process binds and listens itself, and hands the socket to uvicorn (`--fd`): no port is ever
found free, released and bound again later, so a parallel test can never take it in between, and a
killed server restarts on the same socket (connections made meanwhile wait in its backlog).

    db = sqlite_url(tmp_path)                       # or: postgres_database("crash") (context manager)
    with LiveServer(db, workdir=tmp_path) as server:  # bootstrap (migrate + seed), start, wait for /healthz
        httpx.get(server.url("/vi/zones"))
        server.kill()                               # SIGKILL, as a crash would
        server.start()                              # same port, same database

Nothing here imports the application: the server is a separate process, exactly as in production.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("PORTAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "live-server-secret-key-" + "k" * 32
_counter = itertools.count()


class ServerError(RuntimeError):
    pass


_RESERVED: list[socket.socket] = []


def listening_socket(port: int = 0) -> socket.socket:
    """A 127.0.0.1 TCP socket, bound (`port=0`: the kernel picks a free port) and listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def closed_port() -> int:
    """A loopback port where connections are refused: bound, never listening, and kept bound until this
    process ends (so nothing else can start listening there meanwhile)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    _RESERVED.append(sock)
    return sock.getsockname()[1]


def sqlite_url(directory: Path, name: str = "portal.db") -> str:
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / name}"


def _admin_url() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def postgres_available() -> Exception | None:
    """None when the PostgreSQL server answers, otherwise the error (for `service_unavailable`)."""
    try:
        import psycopg

        with psycopg.connect(_admin_url(), connect_timeout=3):
            return None
    except Exception as err:  # any failure means "not available here"
        return err


@contextlib.contextmanager
def postgres_database(purpose: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database `portal_<purpose>_<pid>_<n>`, dropped afterwards."""
    import psycopg

    name = f"portal_{purpose}_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with contextlib.suppress(Exception), psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_postgres_connections(database_url: str) -> int:
    """Drop every connection to the database of `database_url` (a brief database outage)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def server_env(
    database_url: str,
    workdir: Path,
    *,
    env: str = "test",
    search_url: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environ.update(
        {
            "PORTAL_ENV": env,
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SEARCH_URL": search_url if search_url is not None else f"sqlite:///{workdir / 'search.db'}",
            "PORTAL_SECRET_KEY": SECRET,
            "PORTAL_UPLOAD_DIR": str(workdir / "uploads"),
            "PORTAL_MAIL_DIR": str(workdir / "mail"),
            "PORTAL_EXPORT_CACHE_DIR": str(workdir / "exports"),
            "PORTAL_RATELIMIT_URL": "memory://",
            "PYTHONUNBUFFERED": "1",
        }
    )
    environ.update(extra or {})
    return environ


def run_cli(
    args: list[str],
    environ: dict[str, str],
    *,
    timeout: float = 120,
    check: bool = True,
    input_text: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    """`portal <args>` in a subprocess with the server's environment (`cwd`: the code to run, default ROOT)."""
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        env=environ,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
    )
    if check and result.returncode != 0:
        raise ServerError(f"portal {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


#: uvicorn on an inherited socket, as `uvicorn --fd` but with the socket's real family: `--fd` wraps it as
#: AF_UNIX, so asyncio never sets TCP_NODELAY on the connections and every keep-alive response waits ~40 ms
#: for the client's delayed ACK (Nagle). argv: app, fd, app_dir ("" for none); code from the cwd.
NODELAY_LAUNCHER = """
import os, socket, sys
import uvicorn
app, fd, app_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, app_dir or os.getcwd())
config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False)
uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])
"""


_TEMPLATES: dict[tuple[str, str], tuple[str, Path]] = {}  # (database kind, env) → (database url, search file)


def _drop_templates() -> None:
    import shutil

    for url, search in _TEMPLATES.values():
        if url.startswith("postgresql"):
            with contextlib.suppress(Exception), psycopg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        shutil.rmtree(search.parent, ignore_errors=True)


def psycopg_admin():
    import psycopg

    return psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5)


def _sqlite_copy(source: Path, target: Path) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _empty_postgres(url: str) -> bool:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def copy_bootstrapped(database_url: str, workdir: Path, environ: dict[str, str]) -> bool:
    """Give a new server's (still empty) database and search index the content `portal bootstrap` gives them,
    by copying a template bootstrapped once per process with the real command. False (nothing done) when
    the server's database already exists or its search engine is not the default local index file."""
    import atexit
    import tempfile

    search_file = workdir / "search.db"
    if environ.get("PORTAL_SEARCH_URL") != f"sqlite:///{search_file}" or search_file.exists():
        return False
    if database_url.startswith("sqlite:///"):
        kind, target = "sqlite", Path(database_url.removeprefix("sqlite:///"))
        if target.exists():
            return False
    elif database_url.startswith("postgresql") and "?" not in database_url:
        kind = "postgresql"
        if not _empty_postgres(database_url):
            return False
    else:
        return False
    key = (kind, environ.get("PORTAL_ENV", ""))
    if key not in _TEMPLATES:
        if not _TEMPLATES:
            atexit.register(_drop_templates)
        folder = Path(tempfile.mkdtemp(prefix="portal-template-"))
        if kind == "sqlite":
            url = f"sqlite:///{folder / 'portal.db'}"
        else:
            name = f"portal_template_{os.getpid()}_{next(_counter)}"
            with psycopg_admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
        search = folder / "search.db"
        run_cli(["bootstrap"], {**environ, "PORTAL_DATABASE_URL": url, "PORTAL_SEARCH_URL": f"sqlite:///{search}"})
        _TEMPLATES[key] = (url, search)
    url, search = _TEMPLATES[key]
    if kind == "sqlite":
        _sqlite_copy(Path(url.removeprefix("sqlite:///")), target)
    else:
        name, template = database_url.rsplit("/", 1)[1], url.rsplit("/", 1)[1]
        with psycopg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _sqlite_copy(search, search_file)
    return True


class LiveServer:
    """One uvicorn process. `start()` bootstraps the database on first start, then waits for /healthz."""

    def __init__(
        self,
        database_url: str,
        *,
        workdir: Path,
        env: str = "test",
        search_url: str | None = None,
        extra_env: dict[str, str] | None = None,
        bootstrap: bool = True,
        port: int | None = None,
        app: str = "portal.main:app",
        app_dir: Path | None = None,
        workers: int = 1,
        startup_timeout: float = 60,
        via_cli: bool = False,
        code_dir: Path | None = None,
        nodelay: bool = False,
    ) -> None:
        """`via_cli=True`: start it as production does, `portal serve --fd … --workers …` (its settings,
        its logging), instead of uvicorn directly. `code_dir`: serve the portal package found there (the
        benchmark's "before" run serves an export of main), default this checkout."""
        self.code_dir = Path(code_dir) if code_dir else ROOT
        self.nodelay = nodelay  # one worker through NODELAY_LAUNCHER (the benchmarks: no Nagle stalls)
        self.database_url = database_url
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.socket = listening_socket(port or 0)
        self.port = self.socket.getsockname()[1]
        self.app = app
        self.app_dir = app_dir
        self.workers = workers
        self.via_cli = via_cli
        self.startup_timeout = startup_timeout
        self.environ = server_env(
            database_url,
            self.workdir,
            env=env,
            search_url=search_url,
            extra={"PORTAL_BASE_URL": self.base_url, **(extra_env or {})},
        )
        self._bootstrap = bootstrap
        self._bootstrapped = False
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / f"server-{self.port}.log"
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def bootstrap(self) -> None:
        """`portal bootstrap` (migrate, seed, build the search index). The first time in this process for a
        kind of database, into a template; every later server gets a copy of that template's database and
        index (a fresh install is always the same: ~3 s of CPU saved per server). A server running other code
        (code_dir, the benchmarks' baseline) bootstraps with that code."""
        if self.code_dir != ROOT or not copy_bootstrapped(self.database_url, self.workdir, self.environ):
            run_cli(["bootstrap"], self.environ, cwd=self.code_dir, timeout=600)
        self._bootstrapped = True

    def cli(
        self, *args: str, extra_env: dict[str, str] | None = None, check: bool = True, input_text: str | None = None
    ) -> subprocess.CompletedProcess:
        return run_cli(
            list(args), {**self.environ, **(extra_env or {})}, check=check, input_text=input_text, cwd=self.code_dir
        )

    def start(self) -> LiveServer:
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("server already running")
        if self._bootstrap and not self._bootstrapped:
            self.bootstrap()
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--fd",
            str(self.socket.fileno()),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-proxy-headers",  # as `portal serve`: the app alone applies X-Forwarded-* (PORTAL_FORWARDED_ALLOW_IPS)
            "--workers",
            str(self.workers),
        ]
        if self.app_dir is not None:
            cmd += ["--app-dir", str(self.app_dir)]
        if self.nodelay:
            cmd = [sys.executable, "-c", NODELAY_LAUNCHER, self.app, str(self.socket.fileno()), str(self.app_dir or "")]
        if self.via_cli:
            cmd = [sys.executable, "-m", "portal.cli", "serve", "--fd", str(self.socket.fileno())]
            cmd += ["--workers", str(self.workers)]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            cmd,
            env=self.environ,
            cwd=self.code_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(self.socket.fileno(),),
        )
        log.close()
        self.starts += 1
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ServerError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url("/healthz"), timeout=2).status_code == 200:
                    return
            except httpx.HTTPError as err:
                last = err
            time.sleep(0.1)
        self.kill()
        raise ServerError(f"server not ready after {self.startup_timeout}s ({last}):\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handlers run, as in a power cut."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):  # the group outlives a killed master (its orphans)
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self, timeout: float = 10) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        with contextlib.suppress(ProcessLookupError):  # whatever a killed master left in its group
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def worker_pids(self) -> list[int]:
        """The live uvicorn worker processes of a `workers > 1` server (children of its master)."""
        if self.proc is None:
            return []
        return [
            pid
            for pid in _children(self.proc.pid)
            if "multiprocessing" in _cmdline(pid) and "resource_tracker" not in _cmdline(pid)
        ]

    def wait_workers(self, count: int, timeout: float = 60) -> list[int]:
        """Until `count` workers answer on the socket's accept queue (the master replaces dead ones)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == count and all(_listening(pid, self.socket) for pid in pids):
                return pids
            time.sleep(0.1)
        raise ServerError(f"{count} workers not up after {timeout}s: {self.worker_pids()}\n{self.log_tail()}")

    def kill_master(self) -> None:
        """SIGKILL the master process alone: its workers live on, orphaned, still serving the socket."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def connection_owner(self, client_port: int) -> int | None:
        """The pid of the process holding the server side of the connection from `client_port`."""
        inode = _tcp_inode(self.port, client_port)
        if inode is None or self.proc is None:
            return None
        for pid in _group_members(self.proc.pid):  # the master, its workers, orphans of a killed master
            if _holds_socket(pid, inode):
                return pid
        return None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def __enter__(self) -> LiveServer:
        return self.start()

    def close(self) -> None:
        """Stop the server and release its socket (the port)."""
        self.stop()
        self.socket.close()

    def __exit__(self, *exc) -> None:
        self.close()


# --- processes, from /proc (Linux) -------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _group_members(pgid: int) -> list[int]:
    """Every process of the process group (orphaned workers of a killed master included)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                members.append(int(stat.parent.name))
    return members


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


def _holds_socket(pid: int, inode: int) -> bool:
    return inode in _socket_inodes(pid)


def _listening(pid: int, sock: socket.socket) -> bool:
    """The process holds the listening socket (a spawned worker has started and inherited it)."""
    inode = os.fstat(sock.fileno()).st_ino
    return _holds_socket(pid, inode)


def _tcp_inode(server_port: int, client_port: int) -> int | None:
    """Inode of the server-side socket of 127.0.0.1:client_port → 127.0.0.1:server_port."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], int(fields[9])
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port and inode:
            return inode
    return None


REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_available() -> Exception | None:
    """None when Redis answers, otherwise the error (for `service_unavailable`)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        return None
    except Exception as err:  # any failure means "not available here"
        return err
