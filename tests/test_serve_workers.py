"""`catalog serve --workers 2`: two processes answer on one port, each picks up a swapped hub,
and Ctrl+C, SIGTERM or even SIGKILL of `catalog serve` leaves no worker behind."""
from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx

from catalog.publish.datasette import publish_datasette
from catalog.serve import listening_socket
from tests.servers import make_two_publisher_hub, running_hub


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def workers_of(pid: int) -> list[int]:
    """The uvicorn workers (spawned Python processes) of `catalog serve`."""
    def cmdline(child):
        try:
            return Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            return b""
    return [child for child in children(pid) if b"spawn_main" in cmdline(child)]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids, seconds=15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def stop_count(hub) -> int:
    with httpx.Client(timeout=10) as fresh:  # a new connection: whichever worker is running accepts it
        return len(fresh.get(hub.url + "/hub/arrets_stops.json", params={"_shape": "array"}).json())


def test_two_workers_serve_pick_up_a_swap_and_stop_on_sigterm(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    with running_hub(root, db, out, workers=2) as hub:
        deadline = time.monotonic() + 30
        while len(workers := workers_of(hub.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(workers) == 2, workers
        for worker in workers:  # each worker alone answers (the other one frozen)
            others = [w for w in workers if w != worker]
            for other in others:
                os.kill(other, signal.SIGSTOP)
            try:
                assert stop_count(hub) == 4
            finally:
                for other in others:
                    os.kill(other, signal.SIGCONT)

        stops = root / "datasets/transports-testville/arrets/stops.csv"
        stops.write_text(stops.read_text(encoding="utf-8") + "S5,Stade,46.67,2.47,00002,false\n", encoding="utf-8")
        assert publish_datasette((), root, db, out).ids("load") == ["transports-testville/arrets"]
        for worker in workers:  # every worker, not just one, sees the new hub
            others = [w for w in workers if w != worker]
            for other in others:
                os.kill(other, signal.SIGSTOP)
            try:
                deadline = time.monotonic() + 15
                while (count := stop_count(hub)) != 5 and time.monotonic() < deadline:
                    time.sleep(0.3)
                assert count == 5, f"worker {worker} still serves the old hub"
            finally:
                for other in others:
                    os.kill(other, signal.SIGCONT)

        hub.process.send_signal(signal.SIGTERM)  # to `catalog serve` alone, as a service manager would
        assert hub.process.wait(timeout=20) == 0
        assert wait_gone(workers) == []
    assert "Traceback" not in hub.log.read_text()


def two_workers(hub):
    """The pids of the hub's two workers, once both are up and the hub answers."""
    assert stop_count(hub) == 4
    deadline = time.monotonic() + 30
    while len(workers := workers_of(hub.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    return workers


def test_ctrl_c_stops_every_worker(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    with running_hub(root, db, out, workers=2) as hub:
        workers = two_workers(hub)
        os.killpg(hub.process.pid, signal.SIGINT)  # what a terminal sends the whole group on Ctrl+C
        hub.process.wait(timeout=20)
        assert wait_gone(workers) == [] and len(workers) == 2
        with socket.socket() as probe:  # and the port is free again
            assert probe.connect_ex(("127.0.0.1", int(hub.url.rsplit(":", 1)[1]))) != 0
    assert "Traceback" not in hub.log.read_text()


def test_workers_do_not_outlive_a_killed_server(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    db, out = tmp_path / "build" / "hub.db", tmp_path / "build" / "packages"
    with running_hub(root, db, out, workers=2) as hub:
        workers = two_workers(hub)
        hub.process.kill()  # no chance to stop its workers itself
        hub.process.wait(timeout=10)
        left = wait_gone(workers)
        for orphan in left:  # do not leave them on the machine when this fails
            os.kill(orphan, signal.SIGKILL)
        assert len(workers) == 2 and left == []


def test_served_connections_do_not_wait_for_delayed_acks():
    sock = listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY per connection only then
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        sock.close()


def test_api_calls_skip_page_facets_unless_asked_pages_keep_them(tmp_path):
    root = make_two_publisher_hub(tmp_path)
    with running_hub(root, tmp_path / "build" / "hub.db", tmp_path / "build" / "packages", workers=1) as hub:
        html = hub.get("/hub/arrets_stops").text
        assert "facet-info-name" in html and "abri" in html  # set by the metadata, for people
        data = hub.get("/hub/arrets_stops.json").json()
        assert data["facet_results"] == {} and len(data["rows"]) == 4
        asked = hub.get("/hub/arrets_stops.json", params={"_facet": "abri"}).json()
        assert "abri" in asked["facet_results"]
        assert data["filtered_table_rows_count"] == 4  # counts stay in the API


def test_both_load_clients_count_and_time_the_same_requests(tmp_path):
    from tests.benchmarks import load

    assert load.wrk_version(), "wrk is needed (Debian package wrk, installed by tests/run.sh)"
    root = make_two_publisher_hub(tmp_path)
    with running_hub(root, tmp_path / "build" / "hub.db", tmp_path / "build" / "packages") as hub:
        good = lambda rng: f"{hub.url}/hub/arrets_stops.json?stop_id=S{rng.randrange(1, 5)}"
        missing = lambda rng: f"{hub.url}/hub/no_such_table.json?x={rng.randrange(9)}"
        for client in ("wrk", "python"):
            result = load.bounded_load(good, 60, 30, clients=4, client=client)
            assert result["requests"] == 60 and result["failures"] == 0, result
            assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] and result["requests_per_second"] > 0
            assert result["client"].startswith(client if client == "wrk" else "python")
            failing = load.bounded_load(missing, 20, 30, clients=4, client=client)
            assert failing["requests"] == 20 and failing["failures"] == 20, failing
        try:
            load.wrk_load(lambda rng: "http://192.0.2.1:9/x", 5, 5)
        except ValueError as error:
            assert "loopback" in str(error)
        else:
            raise AssertionError("a load on a non-loopback address was sent")
