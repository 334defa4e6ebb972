"""scripts/procman.py, which `make run` and the production layout use: it starts a Procfile's
processes, prefixes their output, and stops every one of them on Ctrl-C or when one exits."""

import os
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from instainstru.tests.processes import ROOT, output_of, wait_until

PROCMAN = ROOT / "scripts" / "procman.py"


def python_command(code: str) -> str:
    """A Procfile command running `code`, which is one line (a Procfile entry is one line)."""
    return f"{sys.executable} -c {shlex.quote(code)}"


# Writes its pid, says hello, and sleeps until signalled.
CALM = python_command(
    "import os, pathlib, time; pathlib.Path('calm.pid').write_text(str(os.getpid())); "
    "print('hello from calm', flush=True); time.sleep(600)"
)
# Like daphne: the first SIGTERM is not enough, the second stops it.
STUBBORN = python_command(
    "import os, pathlib, signal, sys, time; terms = []; "
    "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0) if terms else terms.append(1)); "
    "pathlib.Path('stubborn.pid').write_text(str(os.getpid())); time.sleep(600)"
)


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"  # exited; only waiting for a parent to collect it


def start(directory: Path, procfile: str, log) -> subprocess.Popen:
    (directory / "Procfile").write_text(procfile)
    return subprocess.Popen(
        [sys.executable, str(PROCMAN), "Procfile"], cwd=directory, stdout=log, stderr=subprocess.STDOUT
    )


def test_ctrl_c_stops_every_process_even_one_that_ignores_the_first_sigterm(tmp_path):
    with tempfile.TemporaryFile() as log:
        procman = start(tmp_path, f"calm: {CALM}\nstubborn: {STUBBORN}\n", log)
        pid_files = [tmp_path / "calm.pid", tmp_path / "stubborn.pid"]
        wait_until(
            lambda: all(path.exists() for path in pid_files) and "hello from calm" in output_of(log),
            timeout=30,
            what="both processes started",
            process=procman,
            log=log,
        )
        pids = [int(path.read_text()) for path in pid_files]
        procman.send_signal(signal.SIGINT)
        assert procman.wait(timeout=30) == 0
        output = output_of(log)
    assert all(gone(pid) for pid in pids)
    assert "calm     | hello from calm" in output.replace("\x1b[36m", "").replace("\x1b[0m", "")
    assert output.rstrip().endswith("All processes stopped.")


def test_when_one_process_exits_the_others_stop_and_its_exit_code_is_returned(tmp_path):
    # Exits with 3 once calm has started.
    quitter = python_command(
        "import pathlib, sys, time; "
        "[time.sleep(0.05) for _ in iter(lambda: pathlib.Path('calm.pid').exists(), True)]; sys.exit(3)"
    )
    with tempfile.TemporaryFile() as log:
        procman = start(tmp_path, f"calm: {CALM}\nquitter: {quitter}\n", log)
        assert procman.wait(timeout=60) == 3
        output = output_of(log)
    assert gone(int((tmp_path / "calm.pid").read_text()))
    assert "quitter exited with code 3; stopping the others." in output
    assert output.rstrip().endswith("All processes stopped.")


def test_the_procfile_of_make_run_starts_the_site_the_worker_beat_and_the_local_stripe_server():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from procman import parse_procfile
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    entries = dict(parse_procfile(ROOT / "Procfile"))
    assert list(entries) == ["stripe", "web", "worker", "beat"]
    assert "-m instainstru.serve_asgi -b 127.0.0.1 -p 8000 instainstru.asgi:application" in entries["web"]
    assert entries["worker"].startswith(".venv/bin/celery -A instainstru worker")
    assert entries["beat"].startswith(".venv/bin/celery -A instainstru beat")
    assert all(os.path.exists(ROOT / command.split()[0]) for command in (entries["worker"], entries["beat"]))
