"""SNP ATTESTATION_REPORT and Azure HCL report builder (formats.md §1, §2)."""

import base64
import hashlib
import json
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .products import PRODUCTS, tcb_bytes
from .variants import BREAKS

SNP_SIZE = 0x4A0
SIG_OFF = 0x2A0
HCL_HDR = 32
RUNTIME_HDR_OFF = 0x4C0
JSON_OFF = 0x4D4



def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def rsa_jwk(kid, key_ops, n):
    # Member order as observed on Azure: kid, key_ops, kty, e, n.
    return {"kid": kid, "key_ops": key_ops, "kty": "RSA", "e": "AQAB", "n": b64url(n)}


def runtime_json(ak_n, vm_unique_id, user_data, ek_n=None, console=False, secure_boot=True):
    """Compact runtime claims like the 2024 closed-HCL variant (MANIFEST.md):
    alphabetical vm-configuration, uppercase user-data hex."""
    keys = []
    if ak_n is not None:
        keys.append(rsa_jwk("HCLAkPub", ["sign"], ak_n))
    if ek_n is not None:
        keys.append(rsa_jwk("HCLEkPub", ["encrypt"], ek_n))
    obj = {
        "keys": keys,
        "vm-configuration": {"console-enabled": console, "secure-boot": secure_boot,
                             "tpm-enabled": True, "vmUniqueId": vm_unique_id},
        "user-data": user_data.hex().upper(),
    }
    return json.dumps(obj, separators=(",", ":")).encode()


def snp_report(product, version, report_data, chip_id, reported_tcb, current_tcb, seed,
               vmpl=0, policy=0x3001F, sig_algo=1):
    """Unsigned 1184-byte SNP report body (signature area zero)."""
    p = PRODUCTS[product]
    h = lambda tag, n: hashlib.sha512(("fake-cvm|%s|%s" % (seed, tag)).encode()).digest()[:n]  # noqa: E731
    r = bytearray(SNP_SIZE)
    rep = tcb_bytes(product, reported_tcb)
    cur = tcb_bytes(product, current_tcb)
    struct.pack_into("<IIQ", r, 0x000, version, p["guest_svn"], policy)
    r[0x010:0x020] = p["family_id"]
    r[0x020:0x030] = bytes([2]) + bytes(15)
    struct.pack_into("<II", r, 0x030, vmpl, sig_algo)
    r[0x038:0x040] = cur
    plat = p["platform_info"] if version >= 3 else 0x1
    struct.pack_into("<QI", r, 0x040, plat, 0)       # KEY_INFO 0: signed by the VCEK
    r[0x050:0x090] = report_data
    r[0x090:0x0C0] = h("measurement", 48)
    r[0x0E0:0x110] = h("id_key_digest", 48)
    r[0x140:0x160] = h("report_id", 32)
    r[0x160:0x180] = b"\xff" * 32                    # no migration agent
    r[0x180:0x188] = rep
    if version >= 3:
        r[0x188:0x18B] = bytes(p["cpuid"])
    r[0x1A0:0x1E0] = chip_id
    r[0x1E0:0x1E8] = rep                              # COMMITTED_TCB
    build, minor, major = p["fw"]
    r[0x1E8:0x1EB] = bytes([build, minor, major])
    r[0x1EC:0x1EF] = bytes([build, minor, major])
    r[0x1F0:0x1F8] = rep                              # LAUNCH_TCB
    if version >= 5:
        struct.pack_into("<QQ", r, 0x1F8, 0x3F, 0x3F)  # mitigation vectors as on ACI Turin
    return r


def sign_snp(report, vcek_key_pem):
    key = serialization.load_pem_private_key(vcek_key_pem, password=None)
    der = key.sign(bytes(report[:SIG_OFF]), ec.ECDSA(hashes.SHA384()))
    rr, ss = decode_dss_signature(der)
    report[SIG_OFF:SIG_OFF + 512] = bytes(512)
    report[SIG_OFF:SIG_OFF + 72] = rr.to_bytes(72, "little")
    report[SIG_OFF + 72:SIG_OFF + 144] = ss.to_bytes(72, "little")
    return report


def verify_snp(report, vcek_pub):
    """For self-checks and tests: True when the report signature verifies."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    rr = int.from_bytes(report[SIG_OFF:SIG_OFF + 72], "little")
    ss = int.from_bytes(report[SIG_OFF + 72:SIG_OFF + 144], "little")
    try:
        vcek_pub.verify(encode_dss_signature(rr, ss), bytes(report[:SIG_OFF]), ec.ECDSA(hashes.SHA384()))
        return True
    except InvalidSignature:
        return False


def hcl_report(cfg, vcek_key_pem, ak_n, user_data, ek_n=None, breaks=()):
    """Whole NV 0x01400001 content, zero padded to cfg['nv_size'].

    cfg: product, report_version, hcl_version, chip_id (64 bytes), reported_tcb,
    current_tcb (dicts), seed, vm_unique_id, nv_size."""
    breaks = set(breaks)
    unknown = breaks - set(BREAKS)
    if unknown:
        raise ValueError("unknown --break: %s" % ", ".join(sorted(unknown)))
    if len(user_data) != 64:
        raise ValueError("user-data must be 64 bytes")
    product = cfg["product"]
    jd_user = bytes([user_data[0] ^ 0xFF]) + user_data[1:] if "user-data" in breaks else user_data
    jak = ak_n
    if "akpub" in breaks:
        jak = bytes([ak_n[0] ^ 0x01]) + ak_n[1:]
    if "no-akpub" in breaks:
        jak = None
    js = runtime_json(jak, cfg["vm_unique_id"], jd_user, ek_n=ek_n)
    digest = hashlib.sha256(js).digest()
    rd = bytearray(digest + bytes(32))
    if "report-data" in breaks:
        rd[0] ^= 0x01
    if "report-data-tail" in breaks:
        rd[63] = 0x01
    chip = bytearray(cfg["chip_id"])
    if "chip-id" in breaks:
        chip[0] ^= 0x01
    reported = dict(cfg["reported_tcb"])
    if "reported-tcb" in breaks:
        reported["snp"] = reported["snp"] + 1
    snp = snp_report(product, cfg["report_version"], bytes(rd), bytes(chip), reported,
                     cfg["current_tcb"], cfg["seed"],
                     vmpl=1 if "vmpl" in breaks else 0,
                     policy=0x3001F | (1 << 19 if "policy-debug" in breaks else 0),
                     sig_algo=2 if "sig-algo" in breaks else 1)
    sign_snp(snp, vcek_key_pem)
    if "sig" in breaks:
        snp[SIG_OFF] ^= 0x01
    if "signed-byte" in breaks:
        snp[0x090] ^= 0x01
    if "sig-high-bytes" in breaks:
        snp[SIG_OFF + 60] = 0x01
    if "json-byte" in breaks:
        # Another hex digit in vmUniqueId: still valid JSON of the same length.
        i = js.index(b'"vmUniqueId":"') + len(b'"vmUniqueId":"')
        js = js[:i] + (b"1" if js[i:i + 1] == b"0" else b"0") + js[i + 1:]
    var = len(js)
    total = JSON_OFF + var
    nv_size = cfg["nv_size"]
    if total > nv_size:
        raise ValueError("HCL report needs %d bytes, NV index holds %d" % (total, nv_size))
    out = bytearray(nv_size)
    struct.pack_into("<4sIIII", out, 0, b"HCLB" if "magic" in breaks else b"HCLA",
                     cfg["hcl_version"], total + (1 if "report-size" in breaks else 0), 2, 0)
    out[HCL_HDR:HCL_HDR + SNP_SIZE] = snp
    struct.pack_into("<IIIII", out, RUNTIME_HDR_OFF,
                     20 + var + (4 if "data-size" in breaks else 0), 1,
                     4 if "report-type" in breaks else 2,
                     2 if "hash-type" in breaks else 1,
                     nv_size if "var-size-big" in breaks else var)
    out[JSON_OFF:JSON_OFF + var] = js
    if "trailing" in breaks and total < nv_size:
        out[nv_size - 1] = 0x5A
    return bytes(out)
