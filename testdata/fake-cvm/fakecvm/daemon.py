"""The long-running part of the fake CVM: the paravisor's TPM-command proxy
(with the HCL report refresh) and the IMDS THIM stub. One process, threads."""

import http.server
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback

from . import report as rpt
from . import tpm as T
from .pki import thim_json
from .variants import IMDS_MODES

THIM_PATH = "/metadata/THIM/amd/certification"


def log(msg):
    sys.stderr.write("%s fake-cvm[%d]: %s\n" % (time.strftime("%H:%M:%S"), os.getpid(), msg))
    sys.stderr.flush()


def load_state(d):
    with open(os.path.join(d, "state.json")) as f:
        st = json.load(f)
    st["chip_id"] = bytes.fromhex(st["chip_id"])
    return st


def write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Paravisor:
    """Regenerates NV 0x01400001 the way OpenHCL does (formats.md §1.8)."""

    def __init__(self, d, st):
        self.d = d
        self.st = st
        with open(os.path.join(d, "pki", "vcek.key"), "rb") as f:
            self.vcek_key = f.read()
        self.secret = bytes.fromhex(st["nv_secret"])
        self.default_period = float(st["refresh_period"])
        # The report written at start counts as the first generation.
        self.last = time.monotonic()
        self.refreshes = 0

    @property
    def period(self):
        """DIR/refresh-period, when present, overrides --refresh-period at once
        (lets tests check the rate limit without racing the clock)."""
        try:
            with open(os.path.join(self.d, "refresh-period")) as f:
                return float(f.read().strip())
        except (OSError, ValueError):
            return self.default_period

    def read_user_data(self, tpm):
        try:
            attrs, size = tpm.nv_read_public(T.NV_USERDATA)
        except T.TpmError as e:
            log("user-data index absent (rc 0x%x): zeros" % e.rc)
            return bytes(64)
        if not attrs & T.TPMA_NV_OWNERREAD:
            raise RuntimeError("NV 0x01400002 lacks ownerread: refresh fails like OpenHCL")
        try:
            data = tpm.nv_read(T.TPM_RH_OWNER, T.NV_USERDATA, min(size, 64), 0)
        except T.TpmError as e:
            if e.rc == T.RC_NV_UNINITIALIZED:
                return bytes(64)
            raise
        return data + bytes(64 - len(data))

    def maybe_refresh(self, up):
        now = time.monotonic()
        if now - self.last < self.period:
            log("NV_Read at offset 0 within the refresh period: previous report")
            return
        self.last = now
        try:
            tpm = T.Tpm(up)
            attrs, ak_n = tpm.read_public_rsa(T.AK_HANDLE)
            if attrs != T.AK_ATTRS:
                log("AK attributes 0x%08x != 0x%08x: refresh disallowed" % (attrs, T.AK_ATTRS))
                return
            user = self.read_user_data(tpm)
            blob = rpt.hcl_report(self.st, self.vcek_key, ak_n, user)
            tpm.nv_write(T.NV_HCL, T.NV_HCL, blob, password=self.secret)
            write_atomic(os.path.join(self.d, "hcl-report.bin"), blob)
            self.refreshes += 1
            write_atomic(os.path.join(self.d, "run", "refresh-count"), b"%d\n" % self.refreshes)
            log("refreshed HCL report #%d, user-data %s..." % (self.refreshes, user[:8].hex()))
        except Exception as e:  # a failed refresh leaves the old report, like OpenHCL
            log("refresh failed: %s" % e)


def serve_tpm(d, para, stop):
    path = os.path.join(d, "tpm.sock")
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(1)           # one client at a time, like swtpm
    up_path = os.path.join(d, "swtpm.sock")

    def loop():
        while not stop.is_set():
            try:
                conn, _ = ls.accept()
            except OSError:
                return
            up = None
            try:
                while True:
                    cmd = T.recv_message(conn, T.MAX_CMD)
                    if cmd is None:
                        break
                    if up is None:
                        up = T.connect_unix(up_path, timeout=60)
                    nr = T.parse_nv_read(cmd)
                    if nr == (T.NV_HCL, 0):
                        para.maybe_refresh(up)
                    up.sendall(cmd)
                    rsp = T.recv_message(up, T.MAX_RSP)
                    if rsp is None:
                        log("swtpm closed the connection mid-command")
                        break
                    conn.sendall(rsp)
            except Exception as e:
                log("tpm client connection ended: %s" % e)
            finally:
                conn.close()
                if up is not None:
                    up.close()

    threading.Thread(target=loop, daemon=True).start()
    return ls


# swtpm control commands a guest may use through the relay: tcti-swtpm's
# CMD_SET_LOCALITY (locality 0 only: an Azure guest cannot reach the
# localities that extend or reset PCR 17-22) and read-only queries. CMD_INIT,
# CMD_SHUTDOWN, CMD_STOP, state blobs...: a real guest cannot reset or stop
# the paravisor's vTPM.
CTRL_SET_LOCALITY = 0x05
CTRL_READ_ONLY = {0x01, 0x04, 0x0F, 0x12}   # GET_CAPABILITY, GET_TPMESTABLISHED, GET_CONFIG, GET_INFO
PTM_BAD_PARAMETER = 3
PTM_BAD_ORDINAL = 10


def serve_ctrl(d, stop, passthrough=False):
    """Relay `<tcti path>.ctrl` to swtpm's control socket (tcti-swtpm sets the
    locality there at init and fails without it)."""
    path = os.path.join(d, "tpm.sock.ctrl")
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(4)
    up_path = os.path.join(d, "swtpm.sock.ctrl")

    def pump(conn):
        up = None
        try:
            conn.settimeout(30)
            head = T.recv_exact(conn, 4)
            if head is None:
                return
            cmd = struct.unpack(">I", head)[0]
            if cmd == CTRL_SET_LOCALITY:
                loc = T.recv_exact(conn, 1)
                if loc is None:
                    return
                head += loc
                if loc != b"\x00" and not passthrough:
                    log("ctrl: locality %d refused" % loc[0])
                    conn.sendall(struct.pack(">I", PTM_BAD_PARAMETER))
                    return
            elif cmd not in CTRL_READ_ONLY and not passthrough:
                log("ctrl: command 0x%x refused" % cmd)
                conn.sendall(struct.pack(">I", PTM_BAD_ORDINAL))
                return
            up = T.connect_unix(up_path, timeout=30)
            up.sendall(head)
            socks = [conn, up]
            while True:
                r, _, _ = select.select(socks, [], [], 30)
                if not r:
                    break
                for s in r:
                    data = s.recv(4096)
                    if not data:
                        return
                    (up if s is conn else conn).sendall(data)
        except Exception as e:
            log("ctrl relay: %s" % e)
        finally:
            conn.close()
            if up is not None:
                up.close()

    def loop():
        while not stop.is_set():
            try:
                conn, _ = ls.accept()
            except OSError:
                return
            threading.Thread(target=pump, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return ls


def make_imds_handler(d, st, stop):
    pki = os.path.join(d, "pki")

    def body_for(mode):
        if mode == "stale-tcb":
            return thim_json(pki, st["product"], st["stale_tcb"], "vcek-stale.pem")
        return thim_json(pki, st["product"], st["reported_tcb"])

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "fake-imds/1"

        def log_message(self, fmt, *args):
            log("imds: " + fmt % args)

        def send(self, code, body, ctype="application/json; charset=utf-8", length=None):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            mode = st.get("imds_mode", "ok")
            try:
                with open(os.path.join(d, "imds-mode")) as f:
                    mode = f.read().strip() or mode
            except OSError:
                pass
            if self.path.split("?", 1)[0] != THIM_PATH:
                return self.send(404, b'{"error":"Not found"}')
            if self.headers.get("Metadata", "").lower() != "true":
                return self.send(400, b'{"error":"Bad request. Required metadata header not specified"}')
            # IMDS refuses proxied requests (its SSRF protection).
            if self.headers.get("X-Forwarded-For") is not None:
                return self.send(400, b'{"error":"Bad request. X-Forwarded-For header is not allowed"}')
            if mode == "500":
                return self.send(500, b'{"error":"Internal server error"}')
            if mode == "404":
                return self.send(404, b'{"error":"Not found"}')
            if mode == "garbage":
                return self.send(200, b"<html>\x00\xff not json", ctype="text/html")
            if mode == "hang":
                stop.wait(3600)
                return
            if mode == "slow":
                stop.wait(float(st.get("imds_slow_seconds", 5)))
            body = body_for(mode)
            if mode == "truncated":
                # Promise the whole body, deliver half, close: a short read.
                self.send(200, body[: len(body) // 2], length=len(body))
                self.close_connection = True
                return
            self.send(200, body)

        do_HEAD = do_GET

    return Handler


def run(d):
    d = os.path.abspath(d)
    st = load_state(d)
    stop = threading.Event()
    para = Paravisor(d, st)
    ls_tpm = serve_tpm(d, para, stop)
    ls_ctrl = serve_ctrl(d, stop, passthrough=bool(st.get("ctrl_passthrough")))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_imds_handler(d, st, stop))
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def shutdown(*_):
        stop.set()
        for s in (ls_tpm, ls_ctrl):
            try:
                s.close()
            except OSError:
                pass
        for n in ("tpm.sock", "tpm.sock.ctrl"):
            try:
                os.unlink(os.path.join(d, n))
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    write_atomic(os.path.join(d, "run", "imds.port"), b"%d\n" % port)
    write_atomic(os.path.join(d, "run", "ready"), b"%d\n" % os.getpid())
    log("ready: tpm proxy %s/tpm.sock, imds 127.0.0.1:%d, refresh period %ss"
        % (d, port, para.period))
    while True:
        time.sleep(3600)


def main(d):
    try:
        run(d)
    except Exception:
        log(traceback.format_exc())
        os._exit(1)


__all__ = ["main", "IMDS_MODES"]
