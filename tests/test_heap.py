"""Freezing the imported heap is for a command's own process only."""
import gc
import subprocess
import sys

from click.testing import CliRunner

from catalog.cli import main

PROBE = ("import gc, sys; from catalog.cli import main; from catalog.heap import own_process; {own}"
         "main(args=['validate', '--help'], standalone_mode=False); "
         "from catalog.heap import freeze_imports; freeze_imports(); print(gc.get_threshold()[0], gc.get_freeze_count())")


def test_commands_called_in_process_leave_the_collector_alone(tmp_path):
    before = gc.get_freeze_count()
    data = tmp_path / "t.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(data)])
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == before


def test_the_executable_freezes_what_it_imported():
    threshold, frozen = subprocess.run([sys.executable, "-c", PROBE.format(own="own_process(); ")], capture_output=True,
                                       text=True, check=True).stdout.split()[-2:]
    default, left = subprocess.run([sys.executable, "-c", PROBE.format(own="")], capture_output=True, text=True,
                                   check=True).stdout.split()[-2:]
    assert int(frozen) > 10_000 and int(left) == 0
    assert int(threshold) > int(default)
