#!/usr/bin/env python3
"""A library API that accepts a push and keeps nothing: the real client's own ceiling. It answers the calls the
client makes (entity, collection, container, image, upload start, parts, completion, tags) and hands out upload
URLs on nginx (BYTES_URL) where a location takes the body and throws it away.

Usage: sink.py PORT BYTES_URL multipart|single
With "single" the multipart start answers 404, so the client falls back to its single-part upload (as against a
registry with Registry:MultipartUploads=false).
"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, bytes_url, mode = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]
PART = 64 * 1024 * 1024
COMPLETE = {"containerUrl": "sink/bench/image", "quota": {"quotaTotal": 0, "quotaUsage": 0}}


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, data):
        body = json.dumps({"data": data} if status < 400 else {"error": {"code": status, "message": "not found"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}") if length else {}
        path = self.path.split("?")[0].strip("/")
        if path == "version":
            return self.answer(200, {"version": "sink", "apiVersion": "2.1.0"})
        if path.startswith("v1/images/") and self.command == "GET":
            return self.answer(404, None)
        if path == "v1/images":
            return self.answer(200, {"id": "image", "hash": request.get("hash"), "uploaded": False})
        if path.endswith("/_multipart") and self.command == "POST":
            if mode == "single":
                return self.answer(404, None)
            size = request["filesize"]
            return self.answer(200, {"uploadID": "upload", "totalParts": (size + PART - 1) // PART, "partSize": PART})
        if path.endswith("/_multipart") and self.command == "PUT":
            return self.answer(200, {"presignedURL": f"{bytes_url}/part/{request.get('partNumber')}"})
        if path.endswith("/_multipart_complete") or path.endswith("/_complete"):
            return self.answer(200, COMPLETE)
        if path.startswith("v2/imagefile/"):
            return self.answer(200, {"uploadURL": f"{bytes_url}/whole"})
        if path.startswith("v1/entities") or path.startswith("v1/collections") or path.startswith("v1/containers"):
            return self.answer(200, {"id": path.split("/")[1], "name": path.rsplit("/", 1)[-1]})
        return self.answer(200, {})  # tags (v1 and v2) and anything else the client may ask

    do_GET = do_POST = do_PUT = handle_any


ThreadingHTTPServer(("127.0.0.1", port), Sink).serve_forever()
