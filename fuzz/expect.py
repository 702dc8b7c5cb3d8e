#!/usr/bin/env python3
"""expect.py REGRESSIONS_DIR [PG_CONTROLDATA] -- the expected result of each
kept fuzz input, derived without rewind's code, written beside the inputs:

  fuzz_control.expected  NAME R14 R15 R16 R17 R18: "ok" when PostgreSQL of
      that major would take the bytes as its pg_control (8192 bytes, its
      pg_control_version, a CRC-32C over the bytes before the CRC that
      matches, the block, WAL block, segment and alignment sizes rewind
      supports), else "bad".  The CRC is computed here (bitwise CRC-32C);
      where pg_controldata 15 reads the layout (CRC at 288: 14 to 17) its
      verdict on the CRC must agree, or this script stops.
  fuzz_history.expected  NAME ok|bad ENTRIES: PostgreSQL's reading of a
      history file of timeline 7 (readTimeLineHistory: per line, leading
      white space skipped, empty and '#' lines ignored, then "%u\\t%X/%X";
      timeline IDs increasing and below 7), ENTRIES "tli:X/X,..." when ok.

Offsets and constants: each major's ControlFileData (PostgreSQL's
catalog/pg_control.h), written out in this script independently of lib/.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

CONTROL_VERSION = {14: 1300, 15: 1300, 16: 1300, 17: 1700, 18: 1800}
CRC_OFFSET = {14: 288, 15: 288, 16: 288, 17: 288, 18: 292}


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard check value


def u32(b, off):
    return struct.unpack_from("<I", b, off)[0]


def control_ok(b, major):
    if len(b) != 8192 or u32(b, 8) != CONTROL_VERSION[major]:
        return False
    off = CRC_OFFSET[major]
    if u32(b, off) != crc32c(b[:off]):
        return False
    seg = u32(b, 228)
    return (u32(b, 216) == 8192 and u32(b, 220) == 131072 and u32(b, 224) == 8192
            and u32(b, 204) == 8 and seg & (seg - 1) == 0 and (1 << 20) <= seg <= (1 << 30))


def controldata_crc_ok(controldata, b):
    """pg_controldata 15's verdict on the CRC at offset 288."""
    with tempfile.TemporaryDirectory() as d:
        os.mkdir(os.path.join(d, "global"))
        with open(os.path.join(d, "global", "pg_control"), "wb") as f:
            f.write(b)
        r = subprocess.run([controldata, d], capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C"))
    if r.returncode != 0:
        return None                 # could not read it (too short)
    return "calculated crc checksum does not match" not in (r.stdout + r.stderr).lower()


# sscanf-like pieces: %u and %X skip white space and take an optional sign
# (a '-' negates modulo 2^32); %X also an optional 0x; "\t" in the format
# matches any run of white space, none included.
WS = " \t\n\v\f\r"
U = r"[" + WS + r"]*([+-]?)([0-9]+)"
X = r"[" + WS + r"]*([+-]?)(?:0[xX])?([0-9A-Fa-f]+)"
LINE = re.compile(U + r"(?:[" + WS + r"]*" + X + r"(/" + X[len("[" + WS + "]*"):] + r"))?")


def signed32(sign, digits, base):
    v = int(digits, base)
    if v > 0xFFFFFFFF:
        v = 0xFFFFFFFF              # strtoul saturates
    return (-v) & 0xFFFFFFFF if sign == "-" else v


def history(b, child=7):
    text = b.decode("latin-1")
    entries, prev = [], 0
    for line in text.split("\n"):
        s = line.lstrip(WS)
        if s == "" or s.startswith("#"):
            continue
        m = LINE.match(s)
        if not m:
            return None
        if m.group(3) is None or m.group(5) is None:
            return None
        tli = signed32(m.group(1), m.group(2), 10)
        hi = signed32(m.group(3), m.group(4), 16)
        lo = signed32(m.group(6), m.group(7), 16)
        if entries and tli <= prev:
            return None
        entries.append("%u:%X/%X" % (tli, hi, lo))
        prev = tli
    if entries and child <= prev:
        return None
    return entries


def main():
    top = sys.argv[1]
    controldata = sys.argv[2] if len(sys.argv) > 2 else "/usr/lib/postgresql/15/bin/pg_controldata"
    rows = []
    d = os.path.join(top, "fuzz_control")
    for name in sorted(os.listdir(d)):
        b = open(os.path.join(d, name), "rb").read()
        verdict = {m: control_ok(b, m) for m in CONTROL_VERSION}
        if len(b) >= 296 and os.path.exists(controldata):
            pg = controldata_crc_ok(controldata, b[:8192] if len(b) >= 8192 else b)
            mine = u32(b, 288) == crc32c(b[:288])
            if pg is not None and pg != mine:
                sys.exit("%s: pg_controldata and this script disagree on the CRC" % name)
        rows.append("%s %s\n" % (name, " ".join("ok" if verdict[m] else "bad" for m in sorted(verdict))))
    open(os.path.join(top, "fuzz_control.expected"), "w").writelines(rows)
    rows = []
    d = os.path.join(top, "fuzz_history")
    for name in sorted(os.listdir(d)):
        e = history(open(os.path.join(d, name), "rb").read())
        rows.append("%s %s\n" % (name, "bad -" if e is None else "ok " + (",".join(e) or "-")))
    open(os.path.join(top, "fuzz_history.expected"), "w").writelines(rows)


main()
