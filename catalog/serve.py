"""`catalog serve`: Datasette on the hub database, with the hub's pages and plugins.

Datasette runs in this process through its Python API, so the hub plugin
(landing page data, dataset pages, pick-up of a freshly published hub) is
registered the way any plugin is, without installing anything.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import socket
import sys
from pathlib import Path

from catalog.errors import UnusableInput

HERE = Path(__file__).resolve().parent
SETTINGS = {
    "sql_time_limit_ms": 3000,  # a runaway ?sql= must not hold a worker
    "default_page_size": 50,
    "facet_time_limit_ms": 500,
    "max_returned_rows": 5000,
    "default_cache_ttl": 60,
    # Queries run in the worker's own thread: a filtered JSON request makes about ten small
    # queries, and handing each to a thread pool (and the GIL back) cost more than the queries,
    # halving throughput. A slow ?sql= (bounded by sql_time_limit_ms) holds only its own worker.
    "num_sql_threads": 0,
}


def ensure_hub(db: Path, packages: Path, root: Path, echo=print) -> None:
    """Build the hub from the bundled datasets when there is none yet."""
    from catalog.publish.datasette import metadata_path, publish_datasette

    if db.is_file():
        return  # an existing database is served as it is, never rebuilt behind the user's back
    if not (root / "datasets").is_dir():
        raise UnusableInput(f"{db} does not exist and there is no datasets/ folder in {root.resolve()} "
                            "to build it from.",
                            "Run `catalog serve` from the hub folder, or build a hub first with "
                            "`catalog publish datasette --db FILE`.")
    echo(f"No hub at {db} yet: building it from {root / 'datasets'} (first run only)…")
    result = publish_datasette((), root, db, packages)
    for name, why in result.refused.items():
        echo(f"Warning: {name} was not published: {why}.")


def _metadata(db: Path, path: Path, name: str) -> dict:
    """The metadata written beside the hub, or, when it is missing, the same rebuilt from the hub itself."""
    import sqlite3

    from catalog.hub.metadata import hub_metadata
    import sqlite_utils

    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise UnusableInput(f"{path}: not valid JSON ({error}).",
                                "Delete it: `catalog serve` rebuilds it from the hub database.")
    try:
        hub = sqlite_utils.Database(sqlite3.connect(f"file:{db}?mode=ro", uri=True))
        try:
            return hub_metadata(hub, name) if "catalog_datasets" in hub.table_names() else {}
        finally:
            hub.close()
    except sqlite3.DatabaseError as error:
        raise UnusableInput(f"{db}: not a SQLite database ({error}).",
                            "Build the hub with `catalog publish datasette --db FILE`.")


CORS_ORIGINS = "CATALOG_CORS_ORIGINS"


def cors_config(value: str | None) -> dict:
    """datasette-cors settings from CATALOG_CORS_ORIGINS: unset or `*`, any origin may read the
    hub (GET: it is open data); otherwise a comma-separated list of origins (`https://a.example`)."""
    import re

    value = (value or "*").strip()
    if value == "*":
        return {"allow_all": True, "methods": ["GET"], "headers": ["Content-Type"]}
    origins = [o.strip() for o in value.split(",") if o.strip()]
    bad = [o for o in origins if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", o)]
    if bad or not origins:
        raise UnusableInput(f"{CORS_ORIGINS}: {', '.join(bad) or 'no origin'} is not an origin.",
                            "Give origins such as https://carte.example.org (scheme and host, no path nor "
                            "trailing slash), separated by commas, or * for any.")
    return {"hosts": origins, "methods": ["GET"], "headers": ["Content-Type"]}


def make_datasette(db: Path, packages: Path, base_url: str | None = None):
    """The Datasette application for this hub (also used by tests and benchmarks). `base_url`: the
    public address every generated link starts with (never the request's Host header)."""
    from datasette.plugins import pm

    from catalog.hub import bounds, explore, exports, page_cache, plugin, security
    from catalog.hub.app import HubDatasette
    from catalog.hub.vendor import vega_bundle, vendor_folder
    from catalog.publish.datasette import database_name, metadata_path

    if not pm.is_registered(plugin):
        pm.register(plugin, name="catalog-hub")
    for extra, name in ((security, "catalog-security"), (bounds, "catalog-bounds"), (exports, "catalog-exports"),
                        (explore, "catalog-explore"), (page_cache, "catalog-page-cache")):
        if not pm.is_registered(extra):
            pm.register(extra, name=name)
    if pm.get_plugin("datasette.handle_exception") is not None:
        pm.unregister(name="datasette.handle_exception")  # the hub's own handler replaces it (hub/plugin.py)
    metadata = _metadata(db, metadata_path(db), database_name(db))
    metadata.setdefault("plugins", {})["catalog-hub"] = {"database": database_name(db), "path": str(db.resolve()),
                                                         "packages": str(packages.resolve()),
                                                         "base_url": check_base_url(base_url) if base_url else None}
    metadata["plugins"].setdefault("datasette-cors", cors_config(os.environ.get(CORS_ORIGINS)))
    packages.mkdir(parents=True, exist_ok=True)
    vendor = vendor_folder(db)
    vega = vega_bundle(vendor)  # written once; `serve` makes it before starting the workers
    ds = HubDatasette(
        metadata=metadata,
        template_dir=str(HERE / "templates"),
        static_mounts=[("hub-assets", str(HERE / "static")),  # /packages/: catalog.hub.downloads
                       ("hub-vendor", str(vendor))],
        settings=SETTINGS,
    )
    ds.hub_vega_url = f"/hub-vendor/{vega}"
    ds.add_database(plugin.HubDatabase(ds, str(db)), name=database_name(db))
    if "_memory" in ds.databases:  # added by Datasette when created without files; nothing to show
        ds.remove_database("_memory")
    return ds


def check_base_url(url: str) -> str:
    """The hub's public address: http(s), a host, nothing after the path."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or "@" in parts.netloc:
        raise UnusableInput(f"--base-url {url!r} is not the address of a hub.",
                            "Give the public address, e.g. https://donnees.example.fr.")
    return url.rstrip("/")


def default_workers() -> int:
    """One process per core, at most two: Python runs one request step at a time per process."""
    return max(1, min(2, os.cpu_count() or 1))


def listening_socket(host: str, port: int) -> socket.socket:
    """The one socket every worker accepts on.

    Made with proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted connections whose
    socket says TCP, and with proto 0 every keep-alive response waited ~40 ms for the
    client's delayed ACK. NODELAY on the listener is inherited by accepted sockets too.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise UnusableInput(f"cannot listen on {host}:{port} ({error.strerror}).",
                            "Pick another port with --port, or stop what is using it.")
    return sock


class HubApp:
    """Builds the hub's ASGI app in the process that serves it (uvicorn's app factory).

    A plain picklable object, so uvicorn can hand it to the worker processes it spawns."""

    def __init__(self, db: Path, packages: Path, base_url: str | None = None):
        self.db, self.packages, self.base_url = Path(db), Path(packages), base_url

    def __call__(self):
        if multiprocessing.parent_process() is not None:
            _stop_with_parent()
        return make_datasette(self.db, self.packages, self.base_url).app()  # startup hooks run in the worker's loop


def _stop_with_parent() -> None:
    """A worker gets SIGTERM if `catalog serve` itself dies (even by SIGKILL): no orphans on the port."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    except (OSError, AttributeError):
        return
    if multiprocessing.parent_process() is not None and not multiprocessing.parent_process().is_alive():
        os.kill(os.getpid(), signal.SIGTERM)  # the parent was already gone before prctl took effect


def serve(db: Path, host: str = "127.0.0.1", port: int = 8001, packages: Path = Path("build/packages"),
          root: Path = Path("."), workers: int | None = None, echo=print, base_url: str | None = None) -> None:
    """Run the hub until interrupted. Port 0 picks a free port; the address is echoed either way.

    With several workers, each is a process running the same Datasette app on the same
    listening socket (bound here, inherited by the workers); uvicorn's supervisor restarts
    a worker that dies and stops them all on Ctrl+C or SIGTERM.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from catalog.publish.datasette import database_name, metadata_path

    db, packages, root = Path(db), Path(packages), Path(root)
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise UnusableInput(f"--workers {workers}: needs at least one worker.", "Use --workers 1 or more.")
    cors_config(os.environ.get(CORS_ORIGINS))  # a bad setting stops here, once, not in every worker
    if base_url:
        check_base_url(base_url)  # before anything is built or bound
    ensure_hub(db, packages, root, echo)
    _metadata(db, metadata_path(db), database_name(db))  # a bad hub fails here, once, not in every worker
    from catalog.hub.vendor import vega_bundle, vendor_folder

    vega_bundle(vendor_folder(db))  # the chart library, bundled once before the workers start
    sock = listening_socket(host, port)
    bound = sock.getsockname()[1]
    base_url = base_url or f"http://{host if ':' not in host else f'[{host}]'}:{bound}"
    config = uvicorn.Config(HubApp(db, packages, base_url), factory=True, log_level="warning", lifespan="on",
                            workers=workers)
    echo(f"Hub: {db} — open http://{host}:{bound}/ ({workers} worker{'s' if workers > 1 else ''}; Ctrl+C to stop)")
    if workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        Multiprocess(config, sockets=[sock]).run()
