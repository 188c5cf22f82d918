"""Install, start and stop a real CKAN 2.12 for the tests, all on loopback.

    python3 tests/ckan/portal.py install          # venv in .ckan/venv (idempotent, fast when present)
    python3 tests/ckan/portal.py start DIR        # throw-away portal; state in DIR/state.json
    python3 tests/ckan/portal.py stop DIR         # stops what `start` started, by process id

A portal is: CKAN (`ckan[requirements]==2.12.0`, its own venv, DataStore, activity and
uploads on), a throw-away PostgreSQL 15 cluster, Redis, and the Solr stand-in of
solr_standin.py (Solr cannot be installed here; CKAN refuses writes without one).
The recipe is ../shared/ckan/README.md. `start` prints the URL; the sysadmin's API
token is written to DIR/api-token (mode 600), never printed.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / ".ckan"
VENV = HOME / "venv"
CKAN_VERSION = "2.12.0"
MARKER = VENV / f".installed-ckan-{CKAN_VERSION}"
# The extensions a French portal typically runs, from PyPI: DCAT output for harvesters,
# map previews, and xloader (COPY-based DataStore loading, with its job worker).
EXTENSIONS = ["ckanext-dcat==2.4.4", "ckanext-geoview==0.3.2", "ckanext-xloader==2.6.0"]
EXTENSIONS_MARKER = VENV / (".installed-" + "+".join(e.replace("==", "-") for e in EXTENSIONS))
# A French portal's licence list: CKAN's usual entries plus Licence Ouverte 2.0 under
# data.gouv.fr's id (CKAN's built-in list has no Licence Ouverte).
LICENCES = [
    {"id": "notspecified", "title": "License not specified", "url": ""},
    {"id": "lov2", "title": "Licence Ouverte / Open Licence version 2.0",
     "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", "od_conformance": "approved"},
    {"id": "odc-odbl", "title": "Open Data Commons Open Database License (ODbL)",
     "url": "http://www.opendefinition.org/licenses/odc-odbl", "od_conformance": "approved"},
    {"id": "odc-by", "title": "Open Data Commons Attribution License",
     "url": "http://www.opendefinition.org/licenses/odc-by", "od_conformance": "approved"},
    {"id": "odc-pddl", "title": "Open Data Commons Public Domain Dedication and License (PDDL)",
     "url": "http://www.opendefinition.org/licenses/odc-pddl", "od_conformance": "approved"},
    {"id": "cc-by", "title": "Creative Commons Attribution",
     "url": "http://www.opendefinition.org/licenses/cc-by", "od_conformance": "approved"},
    {"id": "cc-zero", "title": "Creative Commons CCZero",
     "url": "http://www.opendefinition.org/licenses/cc-zero", "od_conformance": "approved"},
    {"id": "other-at", "title": "Other (Attribution)", "url": ""},
    {"id": "other-open", "title": "Other (Open)", "url": ""},
]
PLUGINS = "activity datastore datatables_view image_view geo_view dcat dcat_json_interface structured_data"
# The DataStore's full-text index, built over every row once a table is loaded. CKAN's default
# is GiST; GIN is what PostgreSQL recommends for text search, and it builds 4x faster: 1.6 s
# against 6.7 s for 500,000 rows here. It weighs twice with xloader 2.6 on CKAN 2.12: its job
# builds the index on a connection it never commits (the build is lost), and the next
# datastore_create (ours, giving the table its alias) builds it again.
FTS_INDEX_METHOD = "gin"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
HERE = Path(__file__).resolve().parent


class PortalError(RuntimeError):
    """The test portal could not be installed or started (the message says which part and why)."""


def _run(args, what, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise PortalError(f"{what} failed (exit {result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
    return result.stdout


def install(log=sys.stderr) -> Path:
    """The CKAN venv with its pinned dependencies; nothing to do when it is already there."""
    ckan = VENV / "bin" / "ckan"
    if MARKER.is_file() and ckan.is_file():
        _install_extensions(log)
        return ckan
    print(f"Installing CKAN {CKAN_VERSION} into {VENV} (a few minutes the first time)...", file=log)
    HOME.mkdir(exist_ok=True)
    if not (VENV / "bin" / "python").is_file():
        _run([sys.executable, "-m", "venv", str(VENV)], "creating the CKAN virtual environment")
    _run([str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
          f"ckan[requirements]=={CKAN_VERSION}"], f"pip install ckan[requirements]=={CKAN_VERSION}")
    MARKER.write_text(CKAN_VERSION + "\n")
    _install_extensions(log)
    return ckan


def _install_extensions(log):
    if EXTENSIONS_MARKER.is_file():
        return
    print(f"Installing {', '.join(EXTENSIONS)} into {VENV}...", file=log)
    _run([str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", *EXTENSIONS],
         "pip install " + " ".join(EXTENSIONS))
    EXTENSIONS_MARKER.write_text("\n".join(EXTENSIONS) + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args):
    """initdb and pg_ctl refuse to run as root: run them as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def _wait_http(url, seconds, process=None, log_path=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    tail = Path(log_path).read_text(errors="replace")[-4000:] if log_path and Path(log_path).exists() else ""
    raise PortalError(f"{url} did not answer within {seconds} s.\n{tail}")


def _stop_pid(pid, seconds=15):
    """SIGTERM the process we started (its own process group), then SIGKILL if it lingers."""
    if not pid:
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished:
                return
        except ChildProcessError:  # not our child (started by another command): poll for it
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


@dataclass
class Portal:
    folder: str
    pg_dir: str = ""
    pg_port: int = 0
    redis_port: int = 0
    solr_port: int = 0
    web_port: int = 0
    xloader: bool = False       # ckanext-xloader enabled, with its job worker
    fts_index_method: str = FTS_INDEX_METHOD
    pids: dict = field(default_factory=dict)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def ini(self):
        return str(Path(self.folder) / "ckan.ini")

    @property
    def token(self):
        return (Path(self.folder) / "api-token").read_text().strip()

    def save(self):
        (Path(self.folder) / "state.json").write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, folder):
        return cls(**json.loads((Path(folder) / "state.json").read_text()))

    def _spawn(self, name, args):
        log = open(Path(self.folder) / f"{name}.log", "ab")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, cwd=self.folder)
        log.close()
        self.pids[name] = process.pid
        self.save()
        return process

    def ckan(self, *args, what=None, **kwargs):
        return _run([str(VENV / "bin" / "ckan"), "-c", self.ini, *args], what or f"ckan {args[0]}", **kwargs)

    def psql(self, sql=None, database="postgres", stdin=None):
        args = [str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(self.pg_port), "-U", "postgres", "-d", database]
        if sql:
            args += ["-c", sql]
        return _run(args, f"psql {sql or '(script)'}", input=stdin)

    # -- the parts ---------------------------------------------------------------------------
    def start_solr(self):
        import_path = VENV / "lib"
        schema = next(import_path.glob("python3*/site-packages/ckan/config/solr/schema.xml"))
        self.solr_port = free_port()
        process = self._spawn("solr", [sys.executable, str(HERE / "solr_standin.py"),
                                       "--port", str(self.solr_port), "--schema", str(schema)])
        _wait_http(f"http://127.0.0.1:{self.solr_port}/solr/ckan/admin/ping", 20, process,
                   Path(self.folder) / "solr.log")

    def start_postgres(self):
        # The cluster lives outside the test folder: the postgres user must reach it.
        self.pg_dir = tempfile.mkdtemp(prefix="catalog-ckan-pg-")
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.pg_dir, user.pw_uid, user.pw_gid)
        self.pg_port = free_port()
        self.save()
        data = str(Path(self.pg_dir) / "data")
        _run(_as_postgres([str(PG_BIN / "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                           "--no-sync"]), "initdb")
        options = f"-p {self.pg_port} -k {self.pg_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", data, "-l", str(Path(self.pg_dir) / "postgres.log"),
                           "-o", options, "-w", "start"]), "pg_ctl start")
        self.pids["postgres"] = int((Path(data) / "postmaster.pid").read_text().split()[0])
        self.save()
        for statement in ("CREATE USER ckan_default WITH PASSWORD 'ckan'",
                          "CREATE DATABASE ckan_default OWNER ckan_default ENCODING 'utf-8'",
                          "CREATE USER datastore_ro WITH PASSWORD 'ckan'",
                          "CREATE DATABASE datastore_default OWNER ckan_default ENCODING 'utf-8'"):
            self.psql(statement)  # one statement per call: CREATE DATABASE refuses transaction blocks

    def start_redis(self):
        self.redis_port = free_port()
        process = self._spawn("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port),
                                        "--save", "", "--appendonly", "no", "--daemonize", "no"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        raise PortalError("redis-server did not start:\n" + (Path(self.folder) / "redis.log").read_text()[-2000:])

    def configure(self):
        self.web_port = free_port()
        self.save()
        _run([str(VENV / "bin" / "ckan"), "generate", "config", self.ini], "ckan generate config")
        pg = f"127.0.0.1:{self.pg_port}"
        storage = Path(self.folder) / "storage"
        storage.mkdir(exist_ok=True)
        licences = Path(self.folder) / "licences.json"
        licences.write_text(json.dumps(LICENCES, indent=1))
        _run([str(VENV / "bin" / "ckan"), "config-tool", self.ini,
                  f"sqlalchemy.url=postgresql://ckan_default:ckan@{pg}/ckan_default",
                  f"ckan.site_url={self.url}",
                  f"ckan.redis.url=redis://127.0.0.1:{self.redis_port}/0",
                  f"solr_url=http://127.0.0.1:{self.solr_port}/solr/ckan",
                  f"ckan.storage_path={storage}",
                  "ckan.max_resource_size=500",
                  f"ckan.plugins={PLUGINS}" + (" xloader" if self.xloader else ""),
                  f"licenses_group_url=file://{licences}",
                  "ckan.views.default_views=image_view datatables_view geo_view",
                  "ckanext.dcat.rdf.profiles=euro_dcat_ap_3",
                  f"ckanext.xloader.jobs_db.uri=postgresql://ckan_default:ckan@{pg}/ckan_default",
                  f"ckan.datastore.write_url=postgresql://ckan_default:ckan@{pg}/datastore_default",
                  f"ckan.datastore.read_url=postgresql://datastore_ro:ckan@{pg}/datastore_default",
                  "ckan.datastore.sqlsearch.enabled=true",
                  f"ckan.datastore.default_fts_index_method={self.fts_index_method}",
                  "debug=false"], "ckan config-tool")

    def init_database(self):
        self.ckan("db", "init")
        self.ckan("db", "pending-migrations", "--apply", what="ckan db pending-migrations --apply")
        permissions = self.ckan("datastore", "set-permissions", what="ckan datastore set-permissions")
        self.psql(database="datastore_default", stdin=permissions)
        self.ckan("sysadmin", "add", "admin", "email=admin@catalog.test", "password=catalog-tests-admin",
                  "--create", what="ckan sysadmin add")
        token = self.ckan("user", "token", "add", "admin", "tests", "-q", what="ckan user token add").strip()
        token_file = Path(self.folder) / "api-token"
        token_file.touch(mode=0o600)
        token_file.write_text(token + "\n")
        if self.xloader:  # its worker downloads uploads through the API with this token
            _run([str(VENV / "bin" / "ckan"), "config-tool", self.ini, f"ckanext.xloader.api_token={token}"],
                 "ckan config-tool (xloader token)")

    def start_web(self):
        """Start (or restart) only the CKAN web process."""
        process = self._spawn("ckan", [str(VENV / "bin" / "ckan"), "-c", self.ini, "run", "--host", "127.0.0.1",
                                       "--port", str(self.web_port), "--disable-reloader", "--threaded"])
        _wait_http(f"{self.url}/api/3/action/status_show", 90, process, Path(self.folder) / "ckan.log")
        if self.xloader and "worker" not in self.pids:
            worker = self._spawn("worker", [str(VENV / "bin" / "ckan"), "-c", self.ini, "jobs", "worker"])
            # Ready once it listens: a job submitted before waits for CKAN to load in the worker
            # (seconds on a loaded machine), which the first publication would be charged with.
            log = Path(self.folder) / "worker.log"
            deadline = time.monotonic() + 90
            while "has started on queue" not in log.read_text(errors="replace"):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise PortalError(f"the CKAN job worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.2)

    def stop_web(self):
        """Stop only the CKAN web process (the database and the rest keep running)."""
        _stop_pid(self.pids.pop("ckan", None))
        self.save()

    def stop(self):
        """Stop everything this portal started, by process id, and remove the cluster."""
        self.stop_web()
        for name in ("worker", "solr", "redis"):
            _stop_pid(self.pids.pop(name, None))
        if self.pids.pop("postgres", None) and self.pg_dir:
            subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(Path(self.pg_dir) / "data"),
                                         "-m", "immediate", "-w", "stop"]), capture_output=True)
        self.save()
        if self.pg_dir:
            shutil.rmtree(self.pg_dir, ignore_errors=True)


def start(folder, xloader=False, fts_index_method=FTS_INDEX_METHOD) -> Portal:
    """A running portal in `folder` (created); on any failure, what started is stopped again.

    `xloader`: also enable ckanext-xloader and start its job worker; `fts_index_method`:
    the DataStore's full-text index, "gin" or CKAN's default "gist"."""
    install()
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    portal = Portal(str(folder), xloader=xloader, fts_index_method=fts_index_method)
    portal.save()
    try:
        portal.start_solr()
        portal.start_postgres()
        portal.start_redis()
        portal.configure()
        portal.init_database()
        portal.start_web()
    except BaseException:
        portal.stop()
        raise
    return portal


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: portal.py install | start DIR [--xloader] | stop DIR"
    xloader = "--xloader" in argv
    argv = [a for a in argv if a != "--xloader"]
    if not argv or argv[0] not in ("install", "start", "stop") or (argv[0] != "install" and len(argv) != 2):
        print(usage, file=sys.stderr)
        return 2
    try:
        if argv[0] == "install":
            install()
        elif argv[0] == "start":
            started = time.monotonic()
            portal = start(argv[1], xloader=xloader)
            print(f"CKAN {CKAN_VERSION} at {portal.url} (ready in {time.monotonic() - started:.0f} s); "
                  f"API token in {Path(portal.folder) / 'api-token'}; stop with: portal.py stop {argv[1]}")
        else:
            Portal.load(argv[1]).stop()
    except PortalError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
