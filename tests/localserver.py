"""A local HTTP server for download tests: serves files by path, honours Range, can drop
connections midway, and publishes an openFDA-shaped download manifest."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Server(ThreadingHTTPServer):
    files: dict[str, bytes]
    drops: list[int]  # for each coming request of a .zip, close after this many bytes
    ignore_range: bool
    vanish_after_drop: bool  # after a dropped connection, the .zip answers 404 (a dead mirror)
    log: list[tuple[str, str | None]]
    gone: bool


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = self.server.files.get(self.path)
        if self.path.endswith(".zip") and self.server.gone:
            body = None
        rng = self.headers.get("Range")
        self.server.log.append((self.path, rng))
        if body is None:
            self.send_error(404)
            return
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if m and not self.server.ignore_range:
            start = int(m[1])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        data = body[start:]
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.path.endswith(".zip") and self.server.drops:
            cut = self.server.drops.pop(0)
            self.wfile.write(data[:cut])
            self.wfile.flush()
            self.close_connection = True
            if self.server.vanish_after_drop:
                self.server.gone = True
            return
        self.wfile.write(data)


@contextlib.contextmanager
def serve() -> Iterator[Server]:
    """A real HTTP server on 127.0.0.1 in a thread, serving `files` by path."""
    srv = Server(("127.0.0.1", 0), Handler)
    srv.files, srv.drops, srv.ignore_range, srv.log = {}, [], False, []
    srv.vanish_after_drop, srv.gone = False, False
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


ZIP_NAME = "drug-label-0001-of-0001.json.zip"


def publish(srv: Server, data: bytes, *, size_mb: str | None = None) -> str:
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    srv.files[f"/{ZIP_NAME}"] = data
    manifest = {
        "meta": {"last_updated": "2026-11-20"},
        "results": {
            "drug": {
                "label": {
                    "export_date": "2026-11-20",
                    "total_records": 2,
                    "partitions": [
                        {
                            "display_name": "drug label (part 1 of 1)",
                            "file": f"{base}/{ZIP_NAME}",
                            "size_mb": size_mb or f"{len(data) / 1e6:.4f}",
                            "records": 2,
                        }
                    ],
                },
                "event": {"partitions": []},
            }
        },
    }
    srv.files["/download.json"] = json.dumps(manifest).encode()
    return f"{base}/download.json"
