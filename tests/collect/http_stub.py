#!/usr/bin/env python3
"""Tiny HTTP stub for the collect tests: IMDS THIM and AMD KDS.
usage: http_stub.py PORTFILE [THIM_JSON [VCEK_DER CHAIN_PEM]]
The first path segment picks the behaviour: /ok, /e500, /garbage, /big,
/slow, /nohdr-ok (no Metadata header required). Writes the bound port to
PORTFILE; GET /hits/<mode> returns how many requests <mode> received, GET
/paths the paths of all other requests, one a line."""
import http.server, sys, time, collections

hits = collections.Counter()
paths = []
files = sys.argv[2:]

def load(i):
    return open(files[i], 'rb').read() if len(files) > i else b'{}'

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, ctype='application/json'):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.split('/', 2)
        mode = parts[1] if len(parts) > 1 else ''
        rest = '/' + (parts[2] if len(parts) > 2 else '')
        if mode == 'paths':
            return self.send(200, '\n'.join(paths).encode(), 'text/plain')
        paths.append(self.path)
        if mode == 'hits':
            return self.send(200, str(hits[rest.strip('/')]).encode(), 'text/plain')
        hits[mode] += 1
        if rest.startswith('/vcek/v1/'):
            if rest.endswith('/cert_chain'):
                return self.send(200, load(2), 'application/x-pem-file')
            return self.send(200, load(1), 'application/pkix-cert')
        if rest != '/metadata/THIM/amd/certification':
            return self.send(404, b'no such path')
        if mode != 'nohdr-ok' and self.headers.get('Metadata') != 'true':
            return self.send(400, b'{"error":"Metadata header missing"}')
        if mode in ('ok', 'nohdr-ok'):
            return self.send(200, load(0))
        if mode == 'e500':
            return self.send(500, b'{"error":"internal"}')
        if mode == 'garbage':
            return self.send(200, b'\x00\x01<html>not json')
        if mode == 'big':
            return self.send(200, b'{' + b' ' * 200000 + b'}')
        if mode == 'slow':
            time.sleep(4)
            return self.send(200, load(0))
        return self.send(404, b'unknown mode')

s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
with open(sys.argv[1] + '.tmp', 'w') as f:
    f.write(str(s.server_address[1]))
import os
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.serve_forever()
