"""Minimal TPM 2.0 command marshalling for the paravisor side of the fake.

Only what the refresh needs: NV_ReadPublic, NV_Read, NV_Write, ReadPublic,
all with password sessions (the paravisor knows the passwords)."""

import socket
import struct

TPM_ST_NO_SESSIONS = 0x8001
TPM_ST_SESSIONS = 0x8002
CC_NV_WRITE = 0x137
CC_NV_READ = 0x14E
CC_NV_READPUBLIC = 0x169
CC_READPUBLIC = 0x173
TPM_RS_PW = 0x40000009
TPM_RH_OWNER = 0x40000001
RC_SUCCESS = 0
RC_NV_UNINITIALIZED = 0x14A
TPMA_NV_OWNERREAD = 1 << 17
MAX_CMD = 4096
MAX_RSP = 8192
NV_CHUNK = 1024

NV_HCL = 0x01400001
NV_USERDATA = 0x01400002
AK_HANDLE = 0x81000003
AK_ATTRS = 0x00050472


class TpmError(Exception):
    def __init__(self, what, rc):
        super().__init__("%s: TPM rc 0x%x" % (what, rc))
        self.rc = rc


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def recv_message(sock, limit):
    """One TPM command or response (10-byte header carries the size). None on EOF."""
    hdr = recv_exact(sock, 10)
    if hdr is None:
        return None
    size = struct.unpack(">I", hdr[2:6])[0]
    if size < 10 or size > limit:
        raise ValueError("TPM message size %d out of range" % size)
    rest = recv_exact(sock, size - 10)
    if rest is None:
        return None
    return hdr + rest


def pw_auth(password=b""):
    sess = struct.pack(">IH", TPM_RS_PW, 0) + b"\x00" + struct.pack(">H", len(password)) + password
    return struct.pack(">I", len(sess)) + sess


def command(cc, handles, params, auth=None):
    body = b"".join(struct.pack(">I", h) for h in handles)
    tag = TPM_ST_NO_SESSIONS
    if auth is not None:
        body += auth
        tag = TPM_ST_SESSIONS
    body += params
    return struct.pack(">HII", tag, 10 + len(body), cc) + body


def nv_read_fields(cmd):
    """(nvIndex, size, offset, position of size in cmd) of a TPM2_NV_Read
    command, or None if not one (or malformed: then swtpm answers it)."""
    if len(cmd) < 22:
        return None
    tag, _size, cc = struct.unpack(">HII", cmd[:10])
    if cc != CC_NV_READ:
        return None
    nv_index = struct.unpack(">I", cmd[14:18])[0]
    pos = 18
    if tag == TPM_ST_SESSIONS:
        auth_size = struct.unpack(">I", cmd[18:22])[0]
        pos = 22 + auth_size
    if pos + 4 > len(cmd):
        return None
    size, offset = struct.unpack(">HH", cmd[pos:pos + 4])
    return nv_index, size, offset, pos


def parse_nv_read(cmd):
    """(nvIndex, offset) of a TPM2_NV_Read command, or None if not one."""
    f = nv_read_fields(cmd)
    return None if f is None else (f[0], f[2])


def parse_rsa_public(buf, pos):
    """(objectAttributes, modulus) of an RSA TPMT_PUBLIC at buf[pos:]."""
    typ, _name_alg, attrs = struct.unpack(">HHI", buf[pos:pos + 8])
    pos += 8
    plen = struct.unpack(">H", buf[pos:pos + 2])[0]
    pos += 2 + plen
    if typ != 0x0001:
        raise ValueError("not an RSA key")
    sym = struct.unpack(">H", buf[pos:pos + 2])[0]
    pos += 2 if sym == 0x0010 else 6
    scheme = struct.unpack(">H", buf[pos:pos + 2])[0]
    pos += 2 if scheme == 0x0010 else 4
    pos += 2 + 4                   # keyBits, exponent
    n = struct.unpack(">H", buf[pos:pos + 2])[0]
    return attrs, buf[pos + 2:pos + 2 + n]


class Tpm:
    """Synchronous command channel over an already connected socket."""

    def __init__(self, sock):
        self.sock = sock

    def call(self, cmd):
        self.sock.sendall(cmd)
        rsp = recv_message(self.sock, MAX_RSP)
        if rsp is None:
            raise ConnectionError("swtpm closed the connection")
        rc = struct.unpack(">I", rsp[6:10])[0]
        return rc, rsp

    def nv_read_public(self, index):
        rc, rsp = self.call(command(CC_NV_READPUBLIC, [index], b""))
        if rc:
            raise TpmError("NV_ReadPublic 0x%08x" % index, rc)
        # TPM2B_NV_PUBLIC: size, nvIndex, nameAlg, attributes, authPolicy, dataSize
        pos = 12
        _idx, _alg, attrs = struct.unpack(">IHI", rsp[pos:pos + 10])
        pos += 10
        plen = struct.unpack(">H", rsp[pos:pos + 2])[0]
        pos += 2 + plen
        data_size = struct.unpack(">H", rsp[pos:pos + 2])[0]
        return attrs, data_size

    def nv_read(self, auth_handle, index, size, offset, password=b""):
        params = struct.pack(">HH", size, offset)
        rc, rsp = self.call(command(CC_NV_READ, [auth_handle, index], params, pw_auth(password)))
        if rc:
            raise TpmError("NV_Read 0x%08x" % index, rc)
        # response: header(10) parameterSize(4) TPM2B data
        n = struct.unpack(">H", rsp[14:16])[0]
        return rsp[16:16 + n]

    def nv_write(self, auth_handle, index, data, password=b""):
        for off in range(0, len(data), NV_CHUNK):
            chunk = data[off:off + NV_CHUNK]
            params = struct.pack(">H", len(chunk)) + chunk + struct.pack(">H", off)
            rc, _ = self.call(command(CC_NV_WRITE, [auth_handle, index], params, pw_auth(password)))
            if rc:
                raise TpmError("NV_Write 0x%08x offset %d" % (index, off), rc)

    def read_public_rsa(self, handle):
        """(objectAttributes, modulus) of a loaded/persistent RSA key."""
        rc, rsp = self.call(command(CC_READPUBLIC, [handle], b""))
        if rc:
            raise TpmError("ReadPublic 0x%08x" % handle, rc)
        return parse_rsa_public(rsp, 12)   # skip header and TPM2B_PUBLIC.size


def connect_unix(path, timeout=30.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s
