"""Does each speed-up still pay? `python -m tests.benchmarks.what_pays [--rows N] [--repeat K]`.

Each of heap.py (objects frozen out of the garbage collector), split_load.py (a second
process inserting half of a large table) and the staged zip (written in the background while
the hub loads) is switched off in turn, in fresh processes, on the same inputs, and the command it serves is timed with
and without it. Run it alone on the machine: the figures are medians of K runs each.

    python -m tests.benchmarks.what_pays --off NAME catalog-arguments...   (one measured run)
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from tests.benchmarks import _env, _python, hub, inputs, measure

OFF = ("heap", "split_load", "staged_zip")


def _switch_off(name: str) -> None:
    if name == "split_load":
        from catalog import split_load
        split_load.MIN_BYTES = 1 << 62
    elif name == "staged_zip":
        from catalog.package import Staged
        zip_now = Staged.zip
        Staged.zip = lambda self, background: zip_now(self, False)


def launch(argv) -> None:
    """One command with one speed-up off (`none`: all on), as the `catalog` executable runs it."""
    name, args = argv[1], argv[2:]
    _switch_off(name)
    from catalog.cli import main
    if name != "heap":
        from catalog.heap import own_process
        own_process()
    main(args=args, prog_name="catalog")


def measure_all(rows: int, repeat: int) -> list[dict]:
    env = _env()
    results = []
    with tempfile.TemporaryDirectory(prefix="catalog-pays-") as tmp:
        folder = Path(tmp)
        made = inputs.write_inputs(folder, rows, max(1, rows // 5))
        validate = ["validate", made["stop_times_bad"]["csv"].name, "--schema", made["stop_times_bad"]["schema"].name,
                    "--json"]
        root = folder / "hub"
        dataset = hub.make_hub(root, made["stop_times"]["csv"], inputs.STOP_TIMES_SCHEMA)
        build = root / "build"
        publish = ["publish", "datasette", str(dataset), "--db", str(build / "hub.db"), "--out", str(build / "packages"),
                   "--root", str(root)]

        def fresh():
            shutil.rmtree(build, ignore_errors=True)

        for name, command, cwd, before in (("heap", validate, folder, None),
                                           ("split_load", publish, root, fresh), ("staged_zip", publish, root, fresh)):
            on, off = measure.Series(f"{name} on"), measure.Series(f"{name} off")
            measure.series("warm-up", _python("tests.benchmarks.what_pays", "--off", "none", *command), 1, cwd, env,
                           before=before)  # the first run of a command pays for cold caches
            for _ in range(repeat):  # interleaved, so a change in the machine's load hits both alike
                for series, switched in ((on, "none"), (off, name)):
                    series.runs += measure.series(series.label, _python("tests.benchmarks.what_pays", "--off",
                                                  switched, *command), 1, cwd, env, before=before).runs
            results.append({"speed_up": name, "command": command[0], "rows": rows, "on": on.to_dict(),
                            "off": off.to_dict(), "saves_seconds": round(off.median - on.median, 3),
                            "ratio": round(off.median / on.median, 3)})
    return results


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--off"]:
        launch(argv)
        return 0
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.what_pays", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = measure_all(args.rows, args.repeat)
    for r in results:
        print(f"{r['speed_up']:11} ({r['command']}, {r['rows']:,} rows): on {r['on']['median_seconds']:.2f} s "
              f"({r['on']['peak_mb']:.0f} MB), off {r['off']['median_seconds']:.2f} s ({r['off']['peak_mb']:.0f} MB): "
              f"off takes {r['ratio']:.2f}x the time")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
