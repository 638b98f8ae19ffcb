"""AMD product facts the fake imitates (formats.md §2.2, §2.7, §3.2; MANIFEST.md)."""

import hashlib

# Defaults copy real Azure/ACI captures so that tests see realistic values:
# Milan = trustee evidence-v1 (v3, 0xdb18000000000004, a ucodeSPL >= 128 that
# needs a two-byte DER INTEGER), Genoa = ACI/trustee Genoa (0x541700000000000a),
# Turin = ACI Turin (v5, 0x5100000004010101, Turin TCB layout).
PRODUCTS = {
    "milan": {
        "kds": "Milan",
        "product_name": "Milan-B0",
        "struct_version": 0,
        "cpuid": (0x19, 0x01, 0x01),
        "hwid_len": 64,
        "layout": "legacy",
        "ark_serial": 0x10000,
        "default_report_version": 3,
        "reported_tcb": {"bl": 4, "tee": 0, "snp": 24, "ucode": 219},
        # Azure hosts often run newer microcode than the VCEK they serve
        # (MANIFEST: current d208.. vs reported 7308..).
        "current_tcb": {"bl": 4, "tee": 0, "snp": 24, "ucode": 220},
        "platform_info": 0x25,
        "fw": (29, 55, 1),            # build, minor, major
        "guest_svn": 10,
        "family_id": bytes.fromhex("02212000") + bytes(12),
    },
    "genoa": {
        "kds": "Genoa",
        "product_name": "Genoa",
        "struct_version": 0,
        "cpuid": (0x19, 0x11, 0x01),
        "hwid_len": 64,
        "layout": "legacy",
        "ark_serial": 0x20000,
        "default_report_version": 3,
        "reported_tcb": {"bl": 10, "tee": 0, "snp": 23, "ucode": 84},
        "current_tcb": {"bl": 10, "tee": 0, "snp": 23, "ucode": 85},
        "platform_info": 0x24,
        "fw": (40, 55, 1),
        "guest_svn": 0x1000B,
        "family_id": bytes.fromhex("01232000") + bytes(12),
    },
    "turin": {
        "kds": "Turin",
        "product_name": "Turin",
        "struct_version": 1,
        "cpuid": (0x1A, 0x02, 0x01),
        "hwid_len": 8,
        "layout": "turin",
        "ark_serial": 0x30000,
        "default_report_version": 5,
        "reported_tcb": {"fmc": 1, "bl": 1, "tee": 1, "snp": 4, "ucode": 81},
        "current_tcb": {"fmc": 1, "bl": 1, "tee": 1, "snp": 4, "ucode": 82},
        "platform_info": 0x65,
        "fw": (65, 55, 1),
        "guest_svn": 2,
        "family_id": bytes.fromhex("01") + bytes(15),
    },
}

TCB_FIELDS = ("fmc", "bl", "tee", "snp", "ucode")


def tcb_bytes(product, tcb):
    """TCB_VERSION as the 8 little-endian bytes of the report (formats.md §2.2)."""
    b = bytearray(8)
    if PRODUCTS[product]["layout"] == "turin":
        b[0] = tcb.get("fmc", 0)
        b[1] = tcb["bl"]
        b[2] = tcb["tee"]
        b[3] = tcb["snp"]
    else:
        b[0] = tcb["bl"]
        b[1] = tcb["tee"]
        b[6] = tcb["snp"]
    b[7] = tcb["ucode"]
    return bytes(b)


def tcb_from_bytes(product, b):
    if PRODUCTS[product]["layout"] == "turin":
        return {"fmc": b[0], "bl": b[1], "tee": b[2], "snp": b[3], "ucode": b[7]}
    return {"bl": b[0], "tee": b[1], "snp": b[6], "ucode": b[7]}


def tcbm(product, tcb):
    """THIM `tcbm`: the LE u64 printed as a 16-digit hex number (formats.md §4)."""
    return "%016x" % int.from_bytes(tcb_bytes(product, tcb), "little")


def parse_tcb(product, text):
    """Accept a THIM-style tcbm string (16 hex digits) or k=v list 'bl=3,snp=8,...'."""
    text = text.strip()
    if "=" in text:
        tcb = {"fmc": 0, "bl": 0, "tee": 0, "snp": 0, "ucode": 0}
        for part in text.split(","):
            k, v = part.split("=", 1)
            if k not in TCB_FIELDS:
                raise ValueError("unknown TCB field %r" % k)
            tcb[k] = int(v, 0)
        return tcb
    if len(text) != 16:
        raise ValueError("TCB must be 16 hex digits (tcbm form) or k=v list")
    return tcb_from_bytes(product, int(text, 16).to_bytes(8, "little"))


def chip_id(product, seed):
    """Deterministic per seed; Turin uses only the first 8 bytes (rest zero)."""
    cid = hashlib.sha512(b"fake-cvm chip id|" + product.encode() + b"|" + seed.encode()).digest()
    n = PRODUCTS[product]["hwid_len"]
    return cid[:n] + bytes(64 - n)
