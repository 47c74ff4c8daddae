#!/usr/bin/env python3
"""The soak's clients: pullers that fetch seeded images and verify every byte by SHA-256, and pushers that keep
pushing fresh images (single-part and multipart), read each back and delete the one before.

Usage: soak.py BASE_URL TOKEN WORK_DIR SECONDS PULLERS PUSHERS
Prints one JSON object: requests, bytes moved, pulls and pushes done, errors (with the first few described).
"""
import hashlib, http.client, json, os, random, subprocess, sys, threading, time
from urllib.parse import urlsplit

base, token, work, seconds, pullers, pushers = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
host = urlsplit(base)
lock = threading.Lock()
totals = {"requests": 0, "bytes": 0, "pulls": 0, "pushes": 0, "errors": 0}
error_samples = []


def count(**changes):
    with lock:
        for key, value in changes.items():
            totals[key] += value


def error(text):
    with lock:
        totals["errors"] += 1
        if len(error_samples) < 10:
            error_samples.append(text)


class Client:
    """One keep-alive connection, as a real client holds one per worker."""

    def __init__(self):
        self.connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)

    def send(self, method, path, body=None, headers=None, auth=True, sink=None):
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = f"BEARER {token}"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                received = 0
                data = b""
                while chunk := response.read(1 << 20):
                    received += len(chunk)
                    if sink is not None:
                        sink.update(chunk)
                    else:
                        data += chunk
                count(requests=1, bytes=received + (len(body) if isinstance(body, (bytes, bytearray)) else 0))
                return response.status, response.getheader("Location"), data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reconnect once, as HTTP clients do.
                self.connection.close()
                self.connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
                if attempt == 1:
                    raise

    def data(self, method, path, payload=None, expect=200):
        status, _, text = self.send(method, path, None if payload is None else json.dumps(payload).encode())
        if status != expect:
            raise RuntimeError(f"{method} {path} -> {status}: {text[:200]!r}")
        return json.loads(text)["data"] if text else None


def make_sif(path, mib):
    payload = path + ".payload"
    with open(payload, "wb") as f:
        f.write(os.urandom(mib * 1024 * 1024 + random.randrange(4096)))
    subprocess.run(["siftool", "new", path], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["siftool", "add", "--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch", "2", path, payload],
                   check=True, stdout=subprocess.DEVNULL)
    os.remove(payload)
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def ensure_container(client, collection, container):
    status, _, _ = client.send("GET", f"/v1/collections/soak/{collection}")
    if status == 404:
        client.data("POST", "/v1/collections", {"name": collection, "entity": ""})
    collection_id = client.data("GET", f"/v1/collections/soak/{collection}")["id"]
    status, _, text = client.send("GET", f"/v1/containers/soak/{collection}/{container}")
    if status == 200:
        return json.loads(text)["data"]["id"]
    return client.data("POST", "/v1/containers", {"name": container, "collection": collection_id})["id"]


def push(client, path, digest, collection, container, tag):
    container_id = ensure_container(client, collection, container)
    size = os.path.getsize(path)
    status, _, text = client.send("GET", f"/v1/images/soak/{collection}/{container}:sha256.{digest}?arch=amd64")
    image = json.loads(text)["data"] if status == 200 else client.data("POST", "/v1/images", {"hash": f"sha256.{digest}", "container": container_id})
    if not image["uploaded"]:
        with open(path, "rb") as f:
            content = f.read()
        # Like the library client: multipart above the part size (the soak's server asks for 5 MiB parts), single-part below.
        status, _, text = (client.send("POST", f"/v2/imagefile/{image['id']}/_multipart", json.dumps({"filesize": size}).encode())
                           if size > 5 << 20 else (404, None, b""))
        if status == 200:
            plan = json.loads(text)["data"]
            parts = []
            for number in range(1, plan["totalParts"] + 1):
                chunk = content[(number - 1) * plan["partSize"]: number * plan["partSize"]]
                url = client.data("PUT", f"/v2/imagefile/{image['id']}/_multipart",
                                  {"partSize": len(chunk), "uploadID": plan["uploadID"], "partNumber": number, "sha256sum": ""})["presignedURL"]
                status, _, answer = client.send("PUT", path_of(url), chunk, auth=False)
                if status != 200:
                    raise RuntimeError(f"part {number} -> {status}: {answer[:200]!r}")
                parts.append({"partNumber": number, "token": ""})
            client.data("PUT", f"/v2/imagefile/{image['id']}/_multipart_complete", {"uploadID": plan["uploadID"], "completedParts": parts})
        else:
            url = client.data("POST", f"/v2/imagefile/{image['id']}", {"filesize": size, "sha256sum": digest, "md5sum": ""})["uploadURL"]
            status, _, answer = client.send("PUT", path_of(url), content, auth=False)
            if status != 200:
                raise RuntimeError(f"upload -> {status}: {answer[:200]!r}")
            client.data("PUT", f"/v2/imagefile/{image['id']}/_complete", {})
    client.data("POST", f"/v2/tags/{container_id}", {"Arch": "amd64", "Tag": tag, "ImageID": image["id"]})


def path_of(url):
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def pull_ranged(client, reference, expected, part=4 << 20):
    status, location, text = client.send("GET", f"/v1/imagefile/{reference}?arch=amd64")
    if status != 303:
        raise RuntimeError(f"pull {reference} -> {status}: {text[:200]!r}")
    blob = path_of(location)
    client.connection.request("GET", blob, headers={"Range": "bytes=0-1024"})
    probe = client.connection.getresponse()
    probe.read()
    count(requests=1, bytes=1025)
    if probe.status != 206:
        raise RuntimeError(f"probe -> {probe.status}")
    total = int(probe.getheader("Content-Range").split("/")[1])
    sha = hashlib.sha256()
    for start in range(0, total, part):
        status, _, _ = client.send("GET", blob, headers={"Range": f"bytes={start}-{min(total, start + part) - 1}"}, auth=False, sink=sha)
        if status != 206:
            raise RuntimeError(f"range {start} -> {status}")
    if sha.hexdigest() != expected:
        raise RuntimeError(f"{reference}: ranged bytes hash to {sha.hexdigest()}, expected {expected}")
    count(pulls=1)


def puller(number, seeded, deadline):
    client = Client()
    rng = random.Random(number)
    while time.monotonic() < deadline:
        reference, expected = rng.choice(seeded)
        try:
            (pull_ranged if number % 2 else pull_whole)(client, reference, expected)
        except Exception as e:  # noqa: BLE001 - every failure counts, whatever it is
            error(f"puller {number}: {e}")
            client = Client()


def pull_whole(client, reference, expected):
    status, location, text = client.send("GET", f"/v1/imagefile/{reference}?arch=amd64")
    if status != 303:
        raise RuntimeError(f"pull {reference} -> {status}: {text[:200]!r}")
    sha = hashlib.sha256()
    status, _, _ = client.send("GET", path_of(location), auth=False, sink=sha)
    if status != 200:
        raise RuntimeError(f"blob -> {status}")
    if sha.hexdigest() != expected:
        raise RuntimeError(f"{reference}: bytes hash to {sha.hexdigest()}, expected {expected}")
    count(pulls=1)


def pusher(number, deadline):
    client = Client()
    previous = None
    rng = random.Random(1000 + number)
    for round_ in range(1_000_000):
        if time.monotonic() >= deadline:
            return
        path = os.path.join(work, f"push-{number}-{round_}.sif")
        try:
            digest = make_sif(path, rng.choice([1, 2, 7]))
            push(client, path, digest, "pushed", f"p{number}", "latest")
            pull_whole(client, f"soak/pushed/p{number}:latest", digest)
            if previous and previous != digest:
                client.data("DELETE", f"/v1/images/soak/pushed/p{number}:sha256.{previous}?arch=amd64")
            previous = digest
            count(pushes=1)
        except Exception as e:  # noqa: BLE001
            error(f"pusher {number}: {e}")
            client = Client()
        finally:
            if os.path.exists(path):
                os.remove(path)


def main():
    seeder = Client()
    seeded = []
    for i, mib in enumerate([1, 1, 2, 4, 4, 8, 12, 16]):
        path = os.path.join(work, f"seed-{i}.sif")
        digest = make_sif(path, mib)
        push(seeder, path, digest, "seed", f"img{i}", "latest")
        os.remove(path)
        seeded.append((f"soak/seed/img{i}:latest", digest))
    for key in totals:
        totals[key] = 0
    print(f"seeded {len(seeded)} images; {pullers} pullers and {pushers} pushers for {seconds:.0f} s", file=sys.stderr, flush=True)
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=puller, args=(n, seeded, deadline)) for n in range(pullers)]
    threads += [threading.Thread(target=pusher, args=(n, deadline)) for n in range(pushers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    totals["seconds"] = round(time.monotonic() - started, 1)
    totals["error_samples"] = error_samples
    print(json.dumps(totals))


main()
