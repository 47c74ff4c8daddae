#!/usr/bin/env python3
"""A pull storm: CLIENTS curl processes start at once and each pulls the whole file, either in one request or in
four ranges one after another on one connection (what a ranged client does). Prints aggregate MB/s (all bytes over
the wall time from the first start to the last finish) and the p99 of the clients' times to complete.

Usage: storm.py URL BYTES CLIENTS whole|ranged [CURL_ARGS...]   (e.g. -L -H 'Authorization: Bearer ...')
Every client's byte count is checked; a short or failed pull exits 1.
"""
import math, subprocess, sys, threading, time

url, size, clients, mode, extra = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]


def command():
    if mode == "whole":
        return ["curl", "-sf", *extra, "-o", "/dev/null", "-w", "%{size_download}\n", url]
    quarter = (size + 3) // 4
    args = ["curl"]
    for i in range(4):
        last = min(size, (i + 1) * quarter) - 1
        args += (["--next"] if i else []) + ["-sf", *extra, "-r", f"{i * quarter}-{last}", "-o", "/dev/null", "-w", "%{size_download}\n", url]
    return args


results = []


def client():
    began = time.monotonic()
    process = subprocess.run(command(), stdout=subprocess.PIPE, text=True)
    results.append((time.monotonic() - began, process.returncode, sum(int(n) for n in process.stdout.split())))


threads = [threading.Thread(target=client) for _ in range(clients)]
started = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
for _, code, got in results:
    if code != 0 or got != size:
        sys.exit(f"storm client failed: exit {code}, {got} of {size} bytes")
durations = sorted(r[0] for r in results)
wall = time.monotonic() - started
p99 = durations[min(len(durations) - 1, math.ceil(0.99 * len(durations)) - 1)]
print(f"{clients * size / 1e6 / wall:.1f} {p99:.2f}")
