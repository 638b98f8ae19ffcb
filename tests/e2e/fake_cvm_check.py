#!/usr/bin/python3
"""Independent checks of what the fake CVM serves (used by fake_cvm.sh).

Written against formats.md, not against testdata/fake-cvm's code, so a bug in
the builder is not mirrored here.

  fake_cvm_check.py report NV.bin VCEK.pem AKPUB.pem PRODUCT REPORT_VERSION HCL_VERSION [USERDATA_HEX]
  fake_cvm_check.py expect-fail WHAT NV.bin VCEK.pem     (WHAT = sig | binding | magic | ...)
  fake_cvm_check.py thim URL PRODUCT NV.bin VCEK.pem CHAIN.pem
  fake_cvm_check.py http-status URL [HEADER:VALUE]
  fake_cvm_check.py imds-basic URL
  fake_cvm_check.py thim-modes URL VCEK.pem MODE_FILE
  fake_cvm_check.py quote-signer QUOTE.msg AK.name
  fake_cvm_check.py thim-mode URL garbage|stale-tcb VCEK.pem
Several commands can run in one process, separated by '::'.
"""

import base64
import hashlib
import json
import struct
import sys
import urllib.error
import urllib.request
import warnings

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

warnings.simplefilter("ignore")  # VCEK serial 0 warns on newer python-cryptography

CPUID = {"milan": (0x19, 0x01), "genoa": (0x19, 0x11), "turin": (0x1A, 0x02)}
AMD = "1.3.6.1.4.1.3704.1."


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def load_cert(path):
    return x509.load_pem_x509_certificate(open(path, "rb").read())


def amd_ext(cert, sub):
    for e in cert.extensions:
        if e.oid.dotted_string == AMD + sub:
            return e.value.value
    return None


def der_uint(b):
    check(b[0] == 0x02 and b[1] == len(b) - 2, "SPL extension is a DER INTEGER")
    return int.from_bytes(b[2:], "big")


def parse(nv):
    check(len(nv) >= 1236, "NV blob shorter than headers")
    sig, hver, rsize, rtype, status = struct.unpack_from("<4sIIII", nv, 0)
    snp = nv[32:32 + 1184]
    dsize, rver, rptype, htype, vsize = struct.unpack_from("<IIIII", nv, 0x4C0)
    js = nv[0x4D4:0x4D4 + vsize]
    return dict(sig=sig, hver=hver, rsize=rsize, rtype=rtype, status=status, snp=snp,
                dsize=dsize, rver=rver, rptype=rptype, htype=htype, vsize=vsize, js=js)


def snp_sig_ok(snp, cert):
    r = int.from_bytes(snp[0x2A0:0x2A0 + 72], "little")
    s = int.from_bytes(snp[0x2E8:0x2E8 + 72], "little")
    try:
        cert.public_key().verify(encode_dss_signature(r, s), snp[:0x2A0], ec.ECDSA(hashes.SHA384()))
        return True
    except InvalidSignature:
        return False


def tcb_fields(product, b):
    if product == "turin":
        return {"fmc": b[0], "bl": b[1], "tee": b[2], "snp": b[3], "ucode": b[7]}
    return {"bl": b[0], "tee": b[1], "snp": b[6], "ucode": b[7]}


def b64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def cmd_report(nv_path, vcek_path, ak_path, product, rver, hver, user_hex=None):
    nv = open(nv_path, "rb").read()
    h = parse(nv)
    vcek = load_cert(vcek_path)
    check(len(nv) == 2048, "NV blob is the whole 2048-byte index (got %d)" % len(nv))
    check(h["sig"] == b"HCLA", "magic HCLA")
    check(h["hver"] == int(hver), "header version %s (got %d)" % (hver, h["hver"]))
    check(h["rtype"] == 2 and h["status"] == 0, "request_type 2, status 0")
    check(h["rsize"] == 1236 + h["vsize"], "report_size = 1236 + variable_data_size")
    check(h["dsize"] == 20 + h["vsize"], "data_size = 20 + variable_data_size")
    check((h["rver"], h["rptype"], h["htype"]) == (1, 2, 1), "runtime version 1, SNP, SHA-256")
    check(not any(nv[1236 + h["vsize"]:]), "zero padding after the JSON")
    snp = h["snp"]
    ver, svn, policy, = struct.unpack_from("<IIQ", snp, 0)
    vmpl, sigalgo = struct.unpack_from("<II", snp, 0x30)
    check(ver == int(rver), "SNP report version %s (got %d)" % (rver, ver))
    check(policy == 0x3001F and vmpl == 0 and sigalgo == 1, "policy 0x3001f, VMPL 0, algo 1")
    check(struct.unpack_from("<I", snp, 0x48)[0] == 0, "KEY_INFO: signed by VCEK")
    if ver >= 3:
        check(tuple(snp[0x188:0x18A]) == CPUID[product], "CPUID family/model for %s" % product)
    else:
        check(not any(snp[0x188:0x1A0]), "v2: reserved CPUID bytes zero")
    rd = snp[0x50:0x90]
    check(rd[:32] == hashlib.sha256(h["js"]).digest(), "REPORT_DATA[0:32] == SHA-256(JSON)")
    check(not any(rd[32:]), "REPORT_DATA[32:64] zero")
    check(snp_sig_ok(snp, vcek), "SNP signature verifies with the VCEK")
    check(not any(snp[0x2A0 + 48:0x2A0 + 72]) and not any(snp[0x2E8 + 48:]), "signature high bytes zero")
    # VCEK extensions against the report.
    hwid = amd_ext(vcek, "4")
    n = 8 if product == "turin" else 64
    check(hwid is not None and len(hwid) == n, "hwID raw %d bytes" % n)
    check(snp[0x1A0:0x1A0 + n] == hwid and not any(snp[0x1A0 + n:0x1E0]), "CHIP_ID == hwID")
    reported = tcb_fields(product, snp[0x180:0x188])
    names = {"bl": "3.1", "tee": "3.2", "snp": "3.3", "ucode": "3.8", "fmc": "3.9"}
    for k, v in reported.items():
        ext = amd_ext(vcek, names[k])
        check(ext is not None and der_uint(ext) == v, "VCEK %s SPL == REPORTED_TCB (%d)" % (k, v))
    pname = amd_ext(vcek, "2")
    check(pname == b"\x16" + bytes([len(pname) - 2]) + {"milan": b"Milan-B0", "genoa": b"Genoa",
                                                        "turin": b"Turin"}[product], "productName")
    check(amd_ext(vcek, "3.4") is None if product == "turin" else amd_ext(vcek, "3.4") is not None,
          "spl_4 present on Milan/Genoa only")
    check(vcek.serial_number == 0, "VCEK serial 0")
    # Runtime JSON.
    j = json.loads(h["js"])
    check(h["js"] == json.dumps(j, separators=(",", ":")).encode(), "JSON is compact")
    ak = [k for k in j["keys"] if k["kid"] == "HCLAkPub"]
    check(len(ak) == 1, "one HCLAkPub")
    pub = serialization.load_pem_public_key(open(ak_path, "rb").read()).public_numbers()
    check(int.from_bytes(b64u(ak[0]["n"]), "big") == pub.n, "HCLAkPub n == TPM AK modulus")
    check(int.from_bytes(b64u(ak[0]["e"]), "big") == pub.e == 65537, "HCLAkPub e == 65537")
    vc = j["vm-configuration"]
    check(vc["secure-boot"] is True and vc["tpm-enabled"] is True and "vmUniqueId" in vc, "vm-configuration")
    ud = j["user-data"]
    check(len(ud) == 128 and ud == ud.upper(), "user-data is 128 uppercase hex digits")
    if user_hex is not None:
        check(bytes.fromhex(ud) == bytes.fromhex(user_hex), "user-data == %s..." % user_hex[:16])
    print("OK report %s %s v%s hcl v%s user-data %s..." % (nv_path, product, rver, hver, ud[:16]))


def cmd_expect_fail(what, nv_path, vcek_path):
    nv = open(nv_path, "rb").read()
    h = parse(nv)
    vcek = load_cert(vcek_path)
    sig_ok = snp_sig_ok(h["snp"], vcek)
    bind_ok = h["snp"][0x50:0x70] == hashlib.sha256(h["js"]).digest()
    if what == "sig":
        check(not sig_ok and bind_ok, "only the signature fails")
    elif what == "binding":
        check(sig_ok and not bind_ok, "only the REPORT_DATA binding fails")
    elif what == "magic":
        check(h["sig"] != b"HCLA" and sig_ok and bind_ok, "only the magic is wrong")
    elif what == "vmpl":
        check(sig_ok and struct.unpack_from("<I", h["snp"], 0x30)[0] == 1, "signed VMPL 1")
    else:
        fail("unknown expectation " + what)
    print("OK broken variant %s detected" % what)


def get(url, headers=None, timeout=10):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def cmd_thim(url, product, nv_path, vcek_path, chain_path):
    status, body = get(url + "/metadata/THIM/amd/certification", {"Metadata": "true"})
    check(status == 200, "THIM 200 with Metadata: true (got %d)" % status)
    j = json.loads(body)
    check(list(j) == ["vcekCert", "tcbm", "certificateChain", "cacheControl"], "THIM keys %s" % list(j))
    check(j["vcekCert"] == open(vcek_path).read(), "vcekCert == VCEK PEM")
    check(j["certificateChain"] == open(chain_path).read(), "certificateChain == ASK then ARK")
    snp = parse(open(nv_path, "rb").read())["snp"]
    check(int(j["tcbm"], 16) == int.from_bytes(snp[0x180:0x188], "little") and len(j["tcbm"]) == 16,
          "tcbm == REPORTED_TCB as a LE u64 in 16 hex digits")
    check(snp[0x38:0x40] != snp[0x180:0x188], "CURRENT_TCB differs from REPORTED_TCB (like Azure)")
    print("OK THIM tcbm %s" % j["tcbm"])


def cmd_quote_signer(msg_path, name_path):
    """Azure's AK is an endorsement-hierarchy primary: qualifiedSigner =
    000b || SHA-256(TPM_RH_ENDORSEMENT || Name) (formats.md §5.5)."""
    msg = open(msg_path, "rb").read()
    name = open(name_path, "rb").read()
    check(msg[:6] == bytes.fromhex("ff5443478018"), "TPMS_ATTEST magic/type")
    check(struct.unpack(">H", msg[6:8])[0] == 34, "qualifiedSigner size 34")
    qn = b"\x00\x0b" + hashlib.sha256(bytes.fromhex("4000000b") + name).digest()
    check(msg[8:42] == qn, "qualifiedSigner == QN(endorsement, AK)")
    print("OK quote signed by an endorsement-hierarchy primary")


def cmd_thim_mode(url, mode, vcek_path):
    status, body = get(url + "/metadata/THIM/amd/certification", {"Metadata": "true"})
    if mode == "garbage":
        check(status == 200, "garbage: 200")
        try:
            json.loads(body)
            fail("garbage mode served JSON")
        except ValueError:
            pass
    elif mode == "stale-tcb":
        j = json.loads(body)
        cert = x509.load_pem_x509_certificate(j["vcekCert"].encode())
        ref = load_cert(vcek_path)
        check(cert.public_key().public_numbers() == ref.public_key().public_numbers(), "same VCEK key")
        check(cert.fingerprint(hashes.SHA256()) != ref.fingerprint(hashes.SHA256()), "another certificate")
        check(der_uint(amd_ext(cert, "3.8")) == int(j["tcbm"][:2], 16), "tcbm matches the stale VCEK")
        check(der_uint(amd_ext(cert, "3.8")) != der_uint(amd_ext(ref, "3.8")), "stale ucode SPL")
    else:
        fail("unknown mode " + mode)
    print("OK THIM mode %s" % mode)


def cmd_thim_modes(url, vcek_path, mode_file):
    """Switch the stub through its fault modes via the control file."""
    def setmode(m):
        with open(mode_file, "w") as f:
            f.write(m + "\n")
    thim = url + "/metadata/THIM/amd/certification"
    setmode("500")
    check(get(thim, {"Metadata": "true"})[0] == 500, "mode 500")
    setmode("404")
    check(get(thim, {"Metadata": "true"})[0] == 404, "mode 404")
    for m in ("garbage", "stale-tcb"):
        setmode(m)
        cmd_thim_mode(url, m, vcek_path)
    setmode("truncated")
    try:
        status, body = get(thim, {"Metadata": "true"})
        fail("truncated mode gave a whole body (%d, %d bytes)" % (status, len(body)))
    except Exception as e:  # http.client.IncompleteRead
        check("IncompleteRead" in type(e).__name__ or "Incomplete" in str(e), "short read: %r" % e)
    setmode("ok")
    check(get(thim, {"Metadata": "true"})[0] == 200, "mode ok")
    print("OK THIM fault modes")


def cmd_http_status(url, *hdrs):
    headers = dict(h.split(":", 1) for h in hdrs)
    status, _ = get(url, headers)
    print(status)


def cmd_imds_basic(url):
    thim = url + "/metadata/THIM/amd/certification"
    check(get(thim)[0] == 400, "THIM without Metadata header: 400")
    check(get(thim, {"Metadata": "false"})[0] == 400, "THIM with Metadata: false: 400")
    check(get(thim, {"Metadata": "true", "X-Forwarded-For": "10.0.0.1"})[0] == 400, "proxied: 400")
    check(get(url + "/metadata/instance", {"Metadata": "true"})[0] == 404, "other path: 404")
    check(get(thim, {"Metadata": "true"})[0] == 200, "THIM with Metadata: true: 200")
    print("OK IMDS header and path rules")


def main():
    """Several commands per process (python start-up dominates): CMD ARGS :: CMD ARGS."""
    cmds = {"report": cmd_report, "expect-fail": cmd_expect_fail, "thim": cmd_thim,
            "http-status": cmd_http_status, "imds-basic": cmd_imds_basic, "thim-modes": cmd_thim_modes,
            "quote-signer": cmd_quote_signer, "thim-mode": cmd_thim_mode}
    args = sys.argv[1:]
    if not args:
        fail(__doc__)
    while args:
        cut = args.index("::") if "::" in args else len(args)
        one, args = args[:cut], args[cut + 1:]
        if not one or one[0] not in cmds:
            fail(__doc__)
        cmds[one[0]](*one[1:])


if __name__ == "__main__":
    main()
