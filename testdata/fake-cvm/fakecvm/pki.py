"""Fake AMD PKI (ARK -> ASK -> VCEK) shaped like the real certificates.

python3-cryptography 38 (Debian bookworm) cannot sign X.509 with RSA-PSS, so
every certificate is made by the openssl CLI (c-apis.md §1.1, §1.4, §1.5).
"""

import json
import os
import subprocess

from .products import PRODUCTS, tcb_bytes, tcbm

AMD_DN = "/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices"
PSS = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48",
       "-sigopt", "rsa_mgf1_md:sha384", "-sha384"]
OID = "1.3.6.1.4.1.3704.1"


def _run(args, **kw):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args[:3]), r.stderr.decode(errors="replace")))
    return r.stdout


def _der_int(v):
    if v < 0:
        raise ValueError("negative SPL")
    body = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")  # leading 00 when bit 7 set
    return bytes([0x02, len(body)]) + body


def _der_ia5(s):
    b = s.encode("ascii")
    return bytes([0x16, len(b)]) + b


def _hexcolon(b):
    return ":".join("%02X" % x for x in b)


def vcek_extension_lines(product, tcb, hwid):
    """The AMD extensions in the order real VCEKs carry them (virtee vcek_milan/turin)."""
    p = PRODUCTS[product]
    lines = [("1", _der_int(p["struct_version"])), ("2", _der_ia5(p["product_name"]))]
    if p["layout"] == "turin":
        lines += [("3.9", _der_int(tcb.get("fmc", 0))), ("3.1", _der_int(tcb["bl"])),
                  ("3.2", _der_int(tcb["tee"])), ("3.3", _der_int(tcb["snp"])),
                  ("3.5", _der_int(0)), ("3.6", _der_int(0)), ("3.7", _der_int(0)),
                  ("3.8", _der_int(tcb["ucode"]))]
    else:
        lines += [("3.1", _der_int(tcb["bl"])), ("3.2", _der_int(tcb["tee"])),
                  ("3.4", _der_int(0)), ("3.5", _der_int(0)), ("3.6", _der_int(0)),
                  ("3.7", _der_int(0)), ("3.3", _der_int(tcb["snp"])),
                  ("3.8", _der_int(tcb["ucode"]))]
    # hwID is the raw chip id, NOT wrapped in an OCTET STRING: `DER:` puts the
    # bytes straight into extnValue, like AMD does.
    lines.append(("4", hwid))
    return ["%s.%s = DER:%s" % (OID, k, _hexcolon(v)) for k, v in lines]


def _genrsa(path):
    return subprocess.Popen(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                             "rsa_keygen_bits:4096", "-out", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(proc, what):
    _, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise RuntimeError("%s failed: %s" % (what, err.decode(errors="replace")))


def make_pki(out, product, tcb, chip_id, key_cache=None, vcek_days=2557, vcek_not_after=None):
    """Write ark/ask/vcek keys and PEMs, chain.pem (ASK then ARK), under `out`.

    key_cache: optional folder keeping the slow RSA-4096 ARK/ASK keys per
    product between runs (certificates are always re-issued)."""
    p = PRODUCTS[product]
    os.makedirs(out, exist_ok=True)
    j = lambda n: os.path.join(out, n)  # noqa: E731
    kds = p["kds"]
    crl = "https://kdsintf.amd.com/vcek/v1/%s/crl" % kds
    cnf = j("openssl.cnf")
    with open(cnf, "w") as f:
        f.write("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n")
        f.write("[v3_ark]\nkeyUsage = critical, keyCertSign, cRLSign\n"
                "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = none\n"
                "basicConstraints = critical, CA:TRUE\ncrlDistributionPoints = URI:%s\n" % crl)
        f.write("[v3_ask]\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n"
                "keyUsage = critical, keyCertSign\nbasicConstraints = critical, CA:TRUE, pathlen:0\n"
                "crlDistributionPoints = URI:%s\n" % crl)

    cached = {}
    if key_cache:
        os.makedirs(key_cache, exist_ok=True)
        for n in ("ark", "ask"):
            c = os.path.join(key_cache, "%s-%s.key" % (product, n))
            if os.path.exists(c):
                cached[n] = c
    procs = []
    for n in ("ark", "ask"):
        if n in cached:
            with open(cached[n], "rb") as src, open(j(n + ".key"), "wb") as dst:
                dst.write(src.read())
        else:
            procs.append((_genrsa(j(n + ".key")), n))
    _run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
          "-out", j("vcek.key")])
    for proc, n in procs:
        _wait(proc, "RSA-4096 key generation for " + n)
        if key_cache:
            tmp = os.path.join(key_cache, ".%s-%s.%d" % (product, n, os.getpid()))
            with open(j(n + ".key"), "rb") as src, open(tmp, "wb") as dst:
                dst.write(src.read())
            os.replace(tmp, os.path.join(key_cache, "%s-%s.key" % (product, n)))

    _run(["openssl", "req", "-new", "-x509", "-config", cnf, "-key", j("ark.key"),
          "-subj", "%s/CN=ARK-%s" % (AMD_DN, kds), "-set_serial", str(p["ark_serial"]),
          "-days", "9131", "-extensions", "v3_ark", "-out", j("ark.pem")] + PSS)
    _run(["openssl", "req", "-new", "-config", cnf, "-key", j("ask.key"),
          "-subj", "%s/CN=SEV-%s" % (AMD_DN, kds), "-out", j("ask.csr")])
    _run(["openssl", "x509", "-req", "-in", j("ask.csr"), "-CA", j("ark.pem"),
          "-CAkey", j("ark.key"), "-set_serial", str(p["ark_serial"] + 1), "-days", "9100",
          "-extfile", cnf, "-extensions", "v3_ask", "-out", j("ask.pem")] + PSS)
    _run(["openssl", "req", "-new", "-config", cnf, "-key", j("vcek.key"),
          "-subj", "%s/CN=SEV-VCEK" % AMD_DN, "-out", j("vcek.csr")])
    os.unlink(j("ask.csr"))
    reissue_vcek(out, product, tcb, chip_id, "vcek.pem", vcek_days, not_after=vcek_not_after)
    with open(j("chain.pem"), "w") as f:
        f.write(open(j("ask.pem")).read())
        f.write(open(j("ark.pem")).read())
    _run(["openssl", "x509", "-in", j("vcek.pem"), "-outform", "DER", "-out", j("vcek.der")])
    return {"ark": j("ark.pem"), "ask": j("ask.pem"), "vcek": j("vcek.pem"),
            "chain": j("chain.pem"), "vcek_key": j("vcek.key")}


def _ca_issue(out, ext, name, not_after):
    j = lambda n: os.path.join(out, "ca-" + n)  # noqa: E731
    open(j("index.txt"), "w").close()
    with open(j("serial"), "w") as f:
        f.write("00\n")
    with open(j("cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = c\n[c]\ndatabase = %s\nnew_certs_dir = %s\nserial = %s\n"
                "default_md = sha384\npolicy = p\nunique_subject = no\nemail_in_dn = no\n"
                "[p]\ncommonName = optional\n" % (j("index.txt"), out, j("serial")))
    _run(["openssl", "ca", "-batch", "-notext", "-config", j("cnf"), "-in", os.path.join(out, "vcek.csr"),
          "-cert", os.path.join(out, "ask.pem"), "-keyfile", os.path.join(out, "ask.key"),
          "-startdate", "20200101000000Z", "-enddate", not_after, "-preserveDN",
          "-extfile", ext, "-extensions", "v3_vcek", "-out", os.path.join(out, name)] + PSS[:-1] + ["-md", "sha384"])


def reissue_vcek(out, product, tcb, chip_id, name, days=2557, not_after=None):
    """Issue (another) VCEK for the same key with the given SPLs, e.g. the
    stale certificate THIM serves in `stale-tcb` mode."""
    p = PRODUCTS[product]
    ext = os.path.join(out, name + ".ext")
    with open(ext, "w") as f:
        f.write("[v3_vcek]\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n")
        f.write("\n".join(vcek_extension_lines(product, tcb, chip_id[:p["hwid_len"]])) + "\n")
    if not_after:
        # a VCEK that expires at a given second (archival tests: "valid at the
        # RFC 3161 genTime, expired now"); `openssl x509` only knows -days
        _ca_issue(out, ext, name, not_after)
        os.unlink(ext)
        return
    # Serial 0 like every real VCEK (not RFC 5280 conformant, on purpose).
    _run(["openssl", "x509", "-req", "-in", os.path.join(out, "vcek.csr"),
          "-CA", os.path.join(out, "ask.pem"), "-CAkey", os.path.join(out, "ask.key"),
          "-set_serial", "0", "-days", str(days), "-extfile", ext, "-extensions", "v3_vcek",
          "-out", os.path.join(out, name)] + PSS)
    os.unlink(ext)


def thim_json(out, product, tcb, vcek_name="vcek.pem"):
    """The IMDS THIM body for this PKI (formats.md §4): members in Azure's
    order, chain = ASK then ARK, tcbm = TCB as a LE u64 in 16 hex digits
    (upper case; the real service's case is unknown)."""
    rd = lambda n: open(os.path.join(out, n)).read()  # noqa: E731
    obj = {"vcekCert": rd(vcek_name), "tcbm": tcbm(product, tcb).upper(),
           "certificateChain": rd("ask.pem") + rd("ark.pem"), "cacheControl": "86400"}
    return json.dumps(obj, separators=(",", ":")).encode()


def write_meta(out, cfg):
    """pki.json: what gen-report needs to make reports matching this VCEK."""
    meta = dict(cfg)
    meta["chip_id"] = cfg["chip_id"].hex()
    with open(os.path.join(out, "pki.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    with open(os.path.join(out, "thim.json"), "wb") as f:
        f.write(thim_json(out, cfg["product"], cfg["reported_tcb"]))


def read_meta(out):
    with open(os.path.join(out, "pki.json")) as f:
        meta = json.load(f)
    meta["chip_id"] = bytes.fromhex(meta["chip_id"])
    return meta


__all__ = ["make_pki", "thim_json", "reissue_vcek", "write_meta", "read_meta", "vcek_extension_lines", "tcb_bytes"]
