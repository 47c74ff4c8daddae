#!/usr/bin/env python3
"""A pull storm with pushes alongside, then a check that every pull was counted.

Usage: pull_storm_counts.py BASE_URL TOKEN WORK_DIR PULLERS PUSHERS SECONDS SERVER_PID
PULLERS anonymous clients pull one public image (following the 303 to the blob URL, reading every byte) while
PUSHERS clients push new images, for SECONDS. Then it waits for the registry's next pull-count flush and compares
the container's stored download count with the pulls made. Prints pulls/s, MB/s, push errors and the count check;
exits 1 when a push failed or a pull was not counted.
"""
import hashlib, json, os, subprocess, sys, threading, time, urllib.error, urllib.request

base, token, work = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
pullers, pushers, seconds, server_pid = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]


def call(method, path, body=None, auth=True):
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if auth else {})
    request = urllib.request.Request(f"{base}/{path}", method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=120) as response:
        text = response.read()
        return json.loads(text)["data"] if text else None


def make_sif(name, mib):
    payload, sif = os.path.join(work, name + ".payload"), os.path.join(work, name + ".sif")
    with open(payload, "wb") as f:
        f.write(os.urandom(mib << 20))
    subprocess.run(["siftool", "new", sif], check=True, capture_output=True)
    subprocess.run(["siftool", "add", "--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch", "2", sif, payload],
                   check=True, capture_output=True)
    os.remove(payload)
    return sif


def push(sif, container_name, collection_id):
    data = open(sif, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    container = call("POST", "v1/containers", {"name": container_name, "collection": collection_id})
    image = call("POST", "v1/images", {"hash": f"sha256.{digest}", "container": container["id"]})
    upload = call("POST", f"v2/imagefile/{image['id']}", {"filesize": len(data), "sha256sum": digest})
    with urllib.request.urlopen(urllib.request.Request(upload["uploadURL"], data=data, method="PUT"), timeout=120):
        pass
    call("PUT", f"v2/imagefile/{image['id']}/_complete", {})
    call("POST", f"v1/tags/{container['id']}", {"Tag": "latest", "ImageID": image["id"]})


collection_id = call("GET", "v1/collections/bench/bench")["id"]
push(make_sif("stormed", 16), "stormed", collection_id)
push_sifs = [make_sif(f"push-{i}", 4) for i in range(pushers)]
deadline = time.monotonic() + seconds
lock = threading.Lock()
totals = {"pulls": 0, "pull_errors": 0, "bytes": 0, "pushes": 0, "push_errors": 0}


def add(key, amount=1):
    with lock:
        totals[key] += amount


def puller():
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/v1/imagefile/bench/bench/stormed:latest?arch=amd64", timeout=120) as response:
                add("bytes", len(response.read()))
            add("pulls")
        except (urllib.error.URLError, OSError):
            add("pull_errors")


def pusher(index):
    round_ = 0
    while time.monotonic() < deadline:
        round_ += 1
        try:
            push(push_sifs[index], f"pushed-{index}-{round_}", collection_id)
            add("pushes")
        except (urllib.error.URLError, OSError) as e:
            print(f"push failed: {e}", file=sys.stderr)
            add("push_errors")


started = time.monotonic()
threads = [threading.Thread(target=puller) for _ in range(pullers)] + [threading.Thread(target=pusher, args=(i,)) for i in range(pushers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - started
rss = next(int(line.split()[1]) for line in open(f"/proc/{server_pid}/status") if line.startswith("VmRSS"))

# The registry writes counted pulls every Registry:PullCountFlushInterval (10 s by default).
counted = -1
for _ in range(30):
    time.sleep(1)
    counted = call("GET", "v1/containers/bench/bench/stormed", auth=False)["downloadCount"]
    if counted >= totals["pulls"]:
        break
print(f"{pullers} pullers + {pushers} pushers for {elapsed:.1f} s: {totals['pulls']} pulls ({totals['pulls'] / elapsed:.1f}/s, "
      f"{totals['bytes'] / 1e6 / elapsed:.1f} MB/s), {totals['pull_errors']} pull errors, {totals['pushes']} pushes, "
      f"{totals['push_errors']} push errors; server RSS {rss // 1024} MB")
print(f"stored download count {counted}, pulls made {totals['pulls']}: {'correct' if counted == totals['pulls'] else 'WRONG'}")
sys.exit(0 if totals["push_errors"] == 0 and counted == totals["pulls"] else 1)
