#!/usr/bin/env python3
"""Turns a bench/run.sh results file into the figures section of docs/benchmarks.md and a PNG plot.

Usage: report.py RESULTS.tsv BENCHMARKS.md PLOT.png
The section between the results markers is replaced; anything else in the Markdown file (the analysis) is kept.
"""
import os, re, subprocess, sys, tempfile
from collections import OrderedDict

results_path, markdown_path, plot_path = sys.argv[1:4]
all_rows = [line.rstrip("\n").split("\t") for line in open(results_path) if line.strip()]
rows = [r for r in all_rows if not r[0].startswith("peers")]
peer_rows = [r for r in all_rows if r[0] == "peers"]
peer_info = {r[1]: r[2] for r in all_rows if r[0] == "peers-info"}
info = {r[0]: r[2] for r in rows if r[1] == "-"}
values = OrderedDict()
for metric, scope, value, unit in (r for r in rows if r[1] != "-"):
    values.setdefault(metric, OrderedDict())[scope] = (value, unit)

sizes = [s for s in values.get("nginx PUT", {})]
scales = [s for s in values.get("image lookup rps", {})]


def num(metric, scope):
    try:
        return float(values[metric][scope][0])
    except (KeyError, ValueError):
        return None


def ms(text):
    """wrk latency text (e.g. 12.5ms, 900us, 1.2s) in milliseconds."""
    m = re.match(r"([\d.]+)(us|ms|s)", text or "")
    if not m:
        return None
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]


def peers_section(peer_rows, peer_info, targets):
    """bench/peers.sh rows: group, label, value, unit, ratio to nginx, p99. Adds issue 17's targets to TARGETS."""
    if not peer_rows:
        return []
    lines = ["", f"### Peers in one run ({peer_info.get('size', '?')} MiB; storms {peer_info.get('storm size', '?')} MiB per client; "
             f"load average {peer_info.get('load', '?')})", "", "| | What | MB/s | × nginx | p99 to complete |", "|---|---|---|---|---|"]
    figure = {}
    for _, group, label, value, unit, ratio, p99 in peer_rows:
        figure[label] = float(value)
        lines.append(f"| {group} | {label} | {float(value):.0f} | {ratio + '×' if ratio else '–'} | {p99 + ' s' if p99 else '–'} |")

    def target(name, measured, against, factor):
        if measured in figure and against in figure:
            ratio = figure[measured] / figure[against]
            targets.append((name, ratio >= factor, f"{ratio:.2f}× ({figure[measured]:.0f} vs {figure[against]:.0f} MB/s)"))

    target("push ≥ 0.5× nginx PUT (curl, direct)", "SRegistry curl single-part, direct (FlushToDisk on)", "nginx PUT (WebDAV)", 0.5)
    target("push ≥ 2× docker-registry (curl, direct)", "SRegistry curl single-part, direct (FlushToDisk on)", "docker-registry monolithic POST+PUT ?digest=", 2)
    target("one-client pull direct ≥ docker-registry", "SRegistry direct, curl -L (lookup + 303 + bytes)", "docker-registry blob GET", 1)
    for label in figure:
        if ": SRegistry direct, download URL" in label:
            target(f"storm {label.split(':')[0]} direct ≥ 0.8× nginx", label, label.split(":")[0] + ": nginx", 0.8)
        if ": SRegistry behind nginx, XAccelRedirect" in label:
            target(f"storm {label.split(':')[0]} offload ≥ 0.9× nginx", label, label.split(":")[0] + ": nginx", 0.9)
    return lines


def verdict(ok):
    return "met" if ok else "**missed**"


out = ["<!-- results:start -->", f"Run on {info.get('machine', '?')}, {info.get('date', '?')}, loopback, Release build, "
       "SQLite + local disk. Produced by `bench/run.sh`.", ""]
out += ["### Throughput (MB/s, ratio to nginx on the same bytes)", "",
        "| What | " + " | ".join(f"{s} MiB" for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
transfer = ["sha256sum", "nginx PUT", "nginx GET", "push real client multipart", "push real client single-part", "push curl single-part",
            "pull real client single stream", "pull real client 4 ranged streams", "pull curl", "pull curl 4 ranges"]
for metric in transfer:
    cells = []
    for s in sizes:
        v = num(metric, s)
        base = num("nginx PUT", s) if metric.startswith("push") else num("nginx GET", s) if metric.startswith("pull") else None
        cells.append("–" if v is None else f"{v:.0f}" + (f" ({v / base:.2f}×)" if base else ""))
    out.append(f"| {metric} | " + " | ".join(cells) + " |")
out += ["", "### Memory (growth of the server's RSS over the operation)", "", "| What | " + " | ".join(f"{s} MiB" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes)]
for metric in ["RSS growth push", "RSS growth pull"]:
    out.append(f"| {metric[11:]} | " + " | ".join(f"{num(metric, s):.0f} MB" if num(metric, s) is not None else "–" for s in sizes) + " |")
out += ["", "### Metadata under wrk (64 connections, 2 threads)", "", "| What | " + " | ".join(f"{s}: req/s, p99" for s in scales) + " |",
        "|---|" + "---|" * len(scales)]
for metric in ["trivial endpoint /version", "image lookup", "image lookup, cache off", "collections page"]:
    cells = []
    for s in scales:
        rps, p99 = num(f"{metric} rps", s), values.get(f"{metric} p99", {}).get(s, ("–",))[0]
        cells.append(f"{rps:.0f}, {p99}" if rps is not None else "–")
    out.append(f"| {metric} | " + " | ".join(cells) + " |")
out += ["", "### Scaling from 1× to 10× the metadata", "", "| What | " + " | ".join(scales) + " |", "|---|" + "---|" * len(scales)]
for metric, unit in [("push 64 MiB", "MB/s"), ("pull 64 MiB", "MB/s"), ("image lookup rps", "req/s"), ("image lookup, cache off rps", "req/s"),
                     ("RSS growth lookups", "MB")]:
    out.append(f"| {metric} | " + " | ".join(f"{num(metric, s):.0f} {unit}" if num(metric, s) is not None else "–" for s in scales) + " |")

targets = []
out += peers_section(peer_rows, peer_info, targets)
for s in sizes:
    push = max(filter(None, [num("push curl single-part", s), num("push real client single-part", s), num("push real client multipart", s)]), default=None)
    if push and num("nginx PUT", s):
        targets.append((f"push ≥ 0.85× nginx PUT ({s} MiB, best upload path)", push / num("nginx PUT", s) >= 0.85, f"{push / num('nginx PUT', s):.2f}×"))
    pull = num("pull real client single stream", s)
    if pull and num("nginx GET", s):
        targets.append((f"pull ≥ 0.9× nginx GET ({s} MiB)", pull / num("nginx GET", s) >= 0.9, f"{pull / num('nginx GET', s):.2f}×"))
    ranged = num("pull real client 4 ranged streams", s)
    if pull and ranged:
        targets.append((f"concurrent pull no slower than single ({s} MiB)", ranged >= pull * 0.95, f"{ranged:.0f} vs {pull:.0f} MB/s"))
    growth = num("RSS growth push", s)
    if growth is not None:
        targets.append((f"RSS growth < 100 MB pushing {s} MiB", growth < 100, f"{growth:.0f} MB"))
for s in scales:
    lookup, floor, p99 = num("image lookup rps", s), num("trivial endpoint /version rps", s), ms(values.get("image lookup p99", {}).get(s, ("",))[0])
    if lookup and floor:
        targets.append((f"lookup ≥ 50% of the trivial endpoint ({s})", lookup / floor >= 0.5, f"{lookup / floor:.0%}"))
    if p99 is not None:
        targets.append((f"lookup p99 < 20 ms ({s})", p99 < 20, f"{p99:.1f} ms"))
out += ["", "### Targets", "", "| Target | Measured | |", "|---|---|---|"]
out += [f"| {name} | {measured} | {verdict(ok)} |" for name, ok, measured in targets]
out += ["", f"![throughput by image size]({os.path.basename(plot_path)})", "<!-- results:end -->"]
section = "\n".join(out)

existing = open(markdown_path).read() if os.path.exists(markdown_path) else "# Benchmarks\n\n<!-- results:start -->\n<!-- results:end -->\n"
updated = re.sub(r"<!-- results:start -->.*<!-- results:end -->", lambda _: section, existing, flags=re.S)
open(markdown_path, "w").write(updated)

series = [m for m in transfer if m != "sha256sum" and m in values]
with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as data:
    data.write("size " + " ".join(f'"{m}"' for m in series) + "\n")
    for s in sizes:
        data.write(f"{s} " + " ".join(str(num(m, s) or 0) for m in series) + "\n")
script = f"""
set terminal pngcairo size 1000,560 font ",10"
set output '{plot_path}'
set title 'Throughput by image size ({info.get('date', '')})'
set ylabel 'MB/s'; set xlabel 'image size (MiB)'
set style data histograms; set style histogram clustered gap 1; set style fill solid 0.8 border -1
set key outside right top; set grid ytics; set yrange [0:*]
plot for [i=2:{len(series) + 1}] '{data.name}' using i:xtic(1) title columnheader(i)
"""
subprocess.run(["gnuplot"], input=script, text=True, check=True)
os.unlink(data.name)
