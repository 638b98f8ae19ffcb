#!/usr/bin/env python3
"""A local RFC 3161 TSA for the tests: `openssl ts -reply` behind a tiny HTTP
server on 127.0.0.1 (random port, written to PORTFILE). MODEFILE, re-read per
request, switches faults: ok | 500 | garbage | other (a valid token over other
data) | slow."""
import http.server
import os
import subprocess
import sys
import tempfile
import time

cnf, portfile, modefile = sys.argv[1], sys.argv[2], sys.argv[3]


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        q = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Type") != "application/timestamp-query":
            self.send_error(415)
            return
        mode = open(modefile).read().strip() if os.path.exists(modefile) else "ok"
        if mode == "500":
            self.send_error(500)
            return
        if mode == "slow":
            time.sleep(5)
        with tempfile.TemporaryDirectory() as t:
            qf, rf = os.path.join(t, "q.tsq"), os.path.join(t, "r.tsr")
            if mode == "other":
                with open(os.path.join(t, "d"), "wb") as f:
                    f.write(b"other data")
                subprocess.run(["openssl", "ts", "-query", "-data", os.path.join(t, "d"), "-sha256", "-cert",
                                "-out", qf], check=True, capture_output=True)
            else:
                with open(qf, "wb") as f:
                    f.write(q)
            subprocess.run(["openssl", "ts", "-reply", "-config", cnf, "-queryfile", qf, "-out", rf],
                           check=True, capture_output=True)
            body = open(rf, "rb").read()
        if mode == "garbage":
            body = b"not a token"
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
