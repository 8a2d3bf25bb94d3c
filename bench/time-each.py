#!/usr/bin/python3
"""Runs each command read from stdin (one per line, split like a shell would, no shell started) and prints
its wall time in milliseconds, from the fork to the exit; a command that fails stops the run."""
import shlex
import subprocess
import sys
import time

for line in sys.stdin:
    argv = shlex.split(line)
    if not argv:
        continue
    started = time.perf_counter()
    finished = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - started) * 1000
    if finished.returncode != 0:
        sys.exit(f"time-each: {argv[0]} exited {finished.returncode}: {finished.stderr.decode(errors='replace').strip()}")
    print(f"{elapsed:.2f}", flush=True)
