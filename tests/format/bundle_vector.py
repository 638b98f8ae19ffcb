#!/usr/bin/env python3
# Independent recomputation of the worked vector of spec/bundle-v1.md §7 with
# hashlib and json only (no project code). Writes binding.hex, seal.hex,
# user_data.hex and manifest.json into the directory given as argv[1].
import hashlib, json, os, sys

H = lambda b: hashlib.sha256(b).digest()
m = {"report.bin": b"HCL report bytes\n", "guest_report.bin": b"SNP report bytes\n",
     "vcek.pem": b"VCEK chain\n", "akpub.pem": b"AK PEM\n", "ak.pub": b"AK TPM2B_PUBLIC\n",
     "eventlog.bin": b"UEFI log\n", "quote.msg": b"quote attest\n", "quote.sig": b"quote sig\n",
     "quote.pcrs": b"quote pcrs\n"}
pre = {"report.bin", "guest_report.bin", "vcek.pem", "akpub.pem", "ak.pub", "eventlog.bin",
       "runtime.cel"}
roles = {"report.bin": "hcl.report", "guest_report.bin": "snp.report",
         "vcek.pem": "amd.vcek_chain", "akpub.pem": "tpm.ak_pem", "ak.pub": "tpm.ak_public",
         "eventlog.bin": "log.uefi", "runtime.cel": "log.runtime", "quote.msg": "tpm.quote_msg",
         "quote.sig": "tpm.quote_sig", "quote.pcrs": "tpm.quote_pcrs"}
nonce = bytes(range(32))
binding = hashlib.sha256(b"cvm-evidence/quote/v1\0" + nonce + b"".join(
    n.encode() + b"\0" + H(m[n]) for n in sorted(m) if n in pre)).hexdigest()
man = {"format": "cvm-evidence/bundle/v1", "bundle_id": "01234567-89ab-4cde-8f01-23456789abcd",
       "created": "2026-11-28T06:00:00Z",
       "collector": {"name": "cvm-collect", "version": "1.0.0"},
       "custody": {"case_id": "CASE-1", "examiner": "Zo\u00eb Example", "note": "worked vector"},
       "nonce": {"hex": nonce.hex(), "source": "auditor", "fresh_report": True},
       "pcr_selection": "sha256:0,1,2,3,4,5,6,7", "binding": binding,
       "members": [{"name": n, "size": len(m[n]), "sha256": hashlib.sha256(m[n]).hexdigest(),
                    "role": roles[n]} for n in sorted(m)]}
mb = json.dumps(man, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
seal = hashlib.sha256(b"cvm-evidence/seal/v1\0" + mb).hexdigest()
ud = hashlib.sha512(b"cvm-evidence/hcl/v1\0" + nonce).hexdigest()


def ustar(topdir, members):
    """spec/bundle-v1.md §3.1 byte layout, as the writer emits it."""
    out = b""
    for name in sorted(members):
        data = members[name]
        h = bytearray(512)
        path = (topdir + "/" + name).encode()
        h[0:len(path)] = path
        h[100:108] = b"000444 \0"
        h[108:116] = b"000000 \0"
        h[116:124] = b"000000 \0"
        h[124:136] = b"%011o " % len(data)
        h[136:148] = b"00000000000 "
        h[148:156] = b" " * 8
        h[156:157] = b"0"
        h[257:265] = b"ustar\x0000"
        h[329:337] = b"000000 \0"
        h[337:345] = b"000000 \0"
        h[148:156] = b"%06o\0 " % sum(h)
        out += bytes(h) + data + b"\0" * (-len(data) % 512)
    return out + b"\0" * 1024


full = dict(m)
full.update({"manifest.json": mb, "seal.msg": b"seal attest\n", "seal.sig": b"seal sig\n"})
tar = ustar("cvm-evidence-" + man["bundle_id"], full)
d = sys.argv[1]
for name, data in (("binding.hex", binding.encode()), ("seal.hex", seal.encode()),
                   ("user_data.hex", ud.encode()), ("manifest.json", mb), ("bundle.tar", tar),
                   ("bundle.sha256", hashlib.sha256(tar).hexdigest().encode())):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
