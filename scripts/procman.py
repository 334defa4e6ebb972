#!/usr/bin/env python
"""Starts every process of a Procfile, prefixes their output, and stops them all cleanly.

Ctrl-C (or SIGTERM) sends SIGTERM to each process group by its own PID, a second SIGTERM
after 3 s (daphne sometimes needs it), then SIGKILL. If any process exits, the rest stop.
A process counts as stopped when nothing of its group is left: each entry runs under `sh -c`,
which dies at the first SIGTERM while the program it started (daphne) may still be running.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

COLORS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m", "\033[31m"]
RESET = "\033[0m"


def parse_procfile(path: Path) -> list[tuple[str, str]]:
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries.append((name.strip(), command.strip()))
    return entries


def pump(name: str, color: str, stream, width: int) -> None:
    for raw in iter(stream.readline, b""):
        sys.stdout.write(f"{color}{name:<{width}}{RESET} | {raw.decode(errors='replace')}")
        sys.stdout.flush()


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (exited ones waiting to be collected
    by their new parent do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def wait_for_site(url: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("procfile")
    parser.add_argument("--banner", action="store_true", help="print the URL and demo logins when up")
    args = parser.parse_args()
    Path("var").mkdir(exist_ok=True)
    entries = parse_procfile(Path(args.procfile))
    width = max(len(name) for name, _ in entries)
    processes: dict[str, subprocess.Popen] = {}
    for index, (name, command) in enumerate(entries):
        process = subprocess.Popen(  # noqa: S602 - commands come from our own Procfile
            command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        processes[name] = process
        threading.Thread(
            target=pump, args=(name, COLORS[index % len(COLORS)], process.stdout, width), daemon=True
        ).start()

    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    if args.banner:

        def banner():
            url = "http://127.0.0.1:8000"
            if wait_for_site(url):
                logins = Path("var/demo-logins.txt")
                text = logins.read_text() if logins.exists() else ""
                print(f"\n\033[1mInstaInstru is running at {url}\033[0m  (Ctrl-C stops everything)\n{text}", flush=True)

        threading.Thread(target=banner, daemon=True).start()

    exit_code = 0
    while not stopping.is_set():
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with code {process.returncode}; stopping the others.", flush=True)
                exit_code = process.returncode or 1
                stopping.set()
                break
        time.sleep(0.3)

    for attempt_signal, grace in ((signal.SIGTERM, 3), (signal.SIGTERM, 5), (signal.SIGKILL, 2)):
        # Each process leads its own group (start_new_session): its pid is the group's id.
        alive = [p for p in processes.values() if group_alive(p.pid)]
        for process in alive:
            try:
                os.killpg(process.pid, attempt_signal)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(group_alive(p.pid) for p in alive):
            for process in alive:
                process.poll()  # collect the shell once it exits, so it does not count as running
            time.sleep(0.1)
    print("All processes stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
