#!/usr/bin/env python3
"""Writes hostile "bundle" tars into OUTDIR for tests/e2e/hostile_tars.sh.

Made with Python's tarfile (plus hand-patched headers where tarfile cannot
produce the input), never from the shared vectors. Compression bombs are
1024 concatenated compressed members of 1 MiB of zeros (1 GiB when
decompressed; gzip, xz, zstd and bzip2 all accept concatenated streams), so
they cost no time to make."""
import io, os, sys, tarfile, gzip, lzma, bz2, subprocess
out = sys.argv[1]
TOP = "cvm-evidence-01234567-89ab-4cde-8f01-23456789abcd"
def info(name, size=0, type=tarfile.REGTYPE, **kw):
    ti = tarfile.TarInfo(name); ti.size = size; ti.type = type; ti.mode = 0o444; ti.mtime = 0
    ti.uid = ti.gid = 0; ti.uname = ti.gname = ""
    for k, v in kw.items(): setattr(ti, k, v)
    return ti
def mk(fname, entries, fmt=tarfile.USTAR_FORMAT, post=None):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    raw = b.getvalue()
    if post: raw = post(raw)
    open(os.path.join(out, fname), "wb").write(raw)
def f(name, data=b"x\n"): return (info(f"{TOP}/{name}", len(data)), data)
base = [f("akpub.pem"), f("report.bin")]
mk("dotdot.tar", [f("../../escaped"), ] + base)
mk("dotdot2.tar", [(info("../escaped", 2), b"x\n")])
mk("absolute.tar", [(info("/tmp/cvh-abs-escaped", 2), b"x\n")])
mk("symlink.tar", [(info(f"{TOP}/akpub.pem", 0, tarfile.SYMTYPE, linkname="/etc/passwd"), None), f("report.bin")])
mk("hardlink.tar", [f("akpub.pem"), (info(f"{TOP}/report.bin", 0, tarfile.LNKTYPE, linkname=f"{TOP}/akpub.pem"), None)])
mk("chardev.tar", [(info(f"{TOP}/akpub.pem", 0, tarfile.CHRTYPE, devmajor=1, devminor=3), None)])
mk("blockdev.tar", [(info(f"{TOP}/akpub.pem", 0, tarfile.BLKTYPE, devmajor=8, devminor=0), None)])
mk("fifo.tar", [(info(f"{TOP}/akpub.pem", 0, tarfile.FIFOTYPE), None)])
mk("directory.tar", [(info(f"{TOP}/sub", 0, tarfile.DIRTYPE), None), f("sub/x")])
mk("dup-exact.tar", [f("akpub.pem"), f("akpub.pem")])
mk("dup-casefold.tar", [f("AKPUB.pem"), f("akpub.pem")])
mk("pax-path.tar", [(info(f"{TOP}/akpub.pem", 2, pax_headers={"path": f"{TOP}/../../escaped"}), b"x\n")], fmt=tarfile.PAX_FORMAT)
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "x"}) as t:
    ti, d = f("akpub.pem"); t.addfile(ti, io.BytesIO(d))
open(os.path.join(out, "pax-global.tar"), "wb").write(b.getvalue())
mk("gnu-longname.tar", [(info(f"{TOP}/" + "a" * 120, 2), b"x\n")], fmt=tarfile.GNU_FORMAT)
# GNU sparse (old format, typeflag S): header hand-made from a regular one
def sparse(raw):
    h = bytearray(raw[:512]); h[156] = ord("S"); h[148:156] = b"        "
    c = sum(h); h[148:156] = b"%06o\0 " % c; return bytes(h) + raw[512:]
mk("gnu-sparse.tar", [f("akpub.pem")], fmt=tarfile.GNU_FORMAT, post=sparse)
# declared size far beyond the file: 8 GiB-1 in the size field
def bigsize(raw):
    h = bytearray(raw[:512]); h[124:136] = b"77777777777\0"; h[148:156] = b"        "
    c = sum(h); h[148:156] = b"%06o\0 " % c; return bytes(h) + raw[512:]
mk("size-beyond.tar", base, post=bigsize)
def size_2m(raw):
    h = bytearray(raw[:512]); h[124:136] = b"%011o\0" % (63 << 20); h[148:156] = b"        "
    c = sum(h); h[148:156] = b"%06o\0 " % c; return bytes(h) + raw[512:]
mk("size-63m.tar", base, post=size_2m)
# truncation exactly at an entry boundary (after the 2nd entry's data, no end blocks); and after one zero block
mk("trunc-boundary.tar", base, post=lambda r: r[:2048])
mk("trunc-one-zero-block.tar", base, post=lambda r: r[:2048 + 512])
mk("trailing-garbage.tar", base, post=lambda r: r + b"GARBAGE" * 100)
mk("trailing-garbage-block.tar", base, post=lambda r: r + b"\x01" + b"\0" * 511)
open(os.path.join(out, "empty.tar"), "wb").write(b"")
open(os.path.join(out, "zeros-10k.tar"), "wb").write(b"\0" * 10240)
open(os.path.join(out, "zeros-1k.tar"), "wb").write(b"\0" * 1024)
# compression bombs: 1 GiB of zeros each, made of 1024 concatenated members of 1 MiB
mib = b"\0" * (1 << 20)
open(os.path.join(out, "bomb-gzip.tar.gz"), "wb").write(gzip.compress(mib, 9) * 1024)
open(os.path.join(out, "bomb-xz.tar.xz"), "wb").write(lzma.compress(mib) * 1024)
open(os.path.join(out, "bomb-bzip2.tar.bz2"), "wb").write(bz2.compress(mib) * 1024)
z = subprocess.run(["zstd", "-q", "-19", "-c"], input=mib, capture_output=True, check=True).stdout
open(os.path.join(out, "bomb-zstd.tar.zst"), "wb").write(z * 1024)
# a compressed tar of the valid-looking base (not a bomb): compression itself is refused
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for ti, d in base: t.addfile(ti, io.BytesIO(d))
open(os.path.join(out, "gzip-tar.tar.gz"), "wb").write(gzip.compress(b.getvalue()))
# The caps, read from format/bundle.h so these cases track them: every case
# below is exactly at a cap or one byte/member over it.
import re
hdr = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../format/bundle.h")).read()
def cap(name):
    m = re.search(r"#define CVM_BUNDLE_%s \((\d+)u << 20\)" % name, hdr)
    return int(m.group(1)) << 20
MEMBER, TOTAL, TAR = cap("MAX_MEMBER"), cap("MAX_TOTAL"), cap("MAX_TAR")
assert TOTAL == 3 * MEMBER
# the tar cap: one byte over (refused unread), and exactly at it (zeros: read, no members)
with open(os.path.join(out, "over-cap.tar"), "wb") as fo: fo.truncate(TAR + 1)
with open(os.path.join(out, "at-cap-zeros.tar"), "wb") as fo: fo.truncate(TAR)
# biggest well-formed profile tar: 3 members at the member cap (= the total cap), the member set judged later
big = b"\0" * MEMBER
maxm = [f("akpub.pem", big), f("quote.pcrs", big), f("report.bin", big)]
mk("max-members.tar", maxm)
# the memory worst case: those members, zero-padded to exactly the tar cap
# (every member is copied out before the padding is refused)
mk("at-cap-members.tar", maxm, post=lambda r: r + b"\0" * (TAR - len(r)))
# one byte over the member cap; one byte over the total cap
mk("member-over.tar", [f("akpub.pem", big + b"\0")])
mk("total-over.tar", maxm + [f("vcek.pem", b"\0")])
