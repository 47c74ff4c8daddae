#!/usr/bin/env python3
"""Push a SIF through the library protocol with curl carrying the bytes, and print the seconds the upload took.

Usage: curl_push.py BASE_URL TOKEN SIF COLLECTION/CONTAINER
The collection must exist; the container is created. Only the byte transfer and its completion are timed,
so the figure is comparable with a plain PUT to nginx.
"""
import hashlib, json, subprocess, sys, time, urllib.request

base, token, sif, target = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]
collection_name, container_name = target.split("/")


def call(method, path, body=None):
    request = urllib.request.Request(f"{base}/{path}", method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text)["data"] if text else None


sha = hashlib.sha256()
with open(sif, "rb") as f:
    while chunk := f.read(8 << 20):
        sha.update(chunk)
digest, size = sha.hexdigest(), __import__("os").path.getsize(sif)

collection = call("GET", f"v1/collections/bench/{collection_name}")
container = call("POST", "v1/containers", {"name": container_name, "collection": collection["id"]})
image = call("POST", "v1/images", {"hash": f"sha256.{digest}", "container": container["id"]})
upload = call("POST", f"v2/imagefile/{image['id']}", {"filesize": size, "sha256sum": digest})
started = time.monotonic()
subprocess.run(["curl", "-sf", "-o", "/dev/null", "-T", sif, upload["uploadURL"]], check=True)
call("PUT", f"v2/imagefile/{image['id']}/_complete", {})
print(f"{time.monotonic() - started:.3f}")
