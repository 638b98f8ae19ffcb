#!/usr/bin/env python3
"""Tiny HTTP stub for the collect tests: IMDS THIM and AMD KDS.
usage: http_stub.py PORTFILE [THIM_JSON [VCEK_DER CHAIN_PEM]]
The first path segment picks the behaviour: /ok, /e500, /garbage, /big,
/slow, /nohdr-ok (no Metadata header required), and raw answers that test
the client's HTTP parsing: /chunked (the THIM JSON chunked, with a chunk
extension and a trailer), /badstatus, /bighead (20 KiB of headers), /short
(closes 10 bytes into a 100-byte body), /lf (bare-LF line ends), /badchunk
(closes inside a chunk), /bigchunked (a 200 KB chunked body), /trickle (a
100 Continue, then /chunked, sent 7 bytes at a time). Writes the bound port to
PORTFILE; GET /hits/<mode> returns how many requests <mode> received, GET
/paths the paths of all other requests, one a line."""
import http.server, sys, time, collections

hits = collections.Counter()
paths = []
files = sys.argv[2:]

def load(i):
    return open(files[i], 'rb').read() if len(files) > i else b'{}'

def chunked(body):
    a, b = body[:5], body[5:]
    return (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
            + b'%x;ext=1\r\n' % len(a) + a + b'\r\n' + b'%X\r\n' % len(b) + b + b'\r\n'
            + b'0\r\nX-Trailer: t\r\n\r\n')

RAW = {
    'chunked': chunked,
    'badstatus': lambda b: b'HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}',
    'bighead': lambda b: b'HTTP/1.1 200 OK\r\n' + b'X-Pad: ' + b'a' * 20000 + b'\r\nContent-Length: 2\r\n\r\n{}',
    'short': lambda b: b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789',
    'lf': lambda b: b'HTTP/1.1 200 OK\nContent-Length: 2\n\n{}',
    'badchunk': lambda b: b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123',
    'trickle': lambda b: b'HTTP/1.1 100 Continue\r\n\r\n' + chunked(b),
    'bigchunked': lambda b: (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
                             + (b'1000\r\n' + b' ' * 4096 + b'\r\n') * 50 + b'0\r\n\r\n'),
}

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
        if mode in RAW:
            self.close_connection = True
            raw = RAW[mode](load(0))
            step = 7 if mode == 'trickle' else len(raw)
            for i in range(0, len(raw), step):
                self.wfile.write(raw[i:i + step])
                self.wfile.flush()
                if step < len(raw):
                    time.sleep(0.002)
            return
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
