#!/usr/bin/env python3
"""Generate keyspace/src/unicode_weights.c from Vitess's collation tables.

The unicode_loose_md5 / unicode_loose_xxhash vindexes hash the primary
collation weights of a string, computed by Vitess's copy of
golang.org/x/text/collate (go/mysql/collations/vindex in vitessio/vitess)
with the CLDR 23 root ("en") table.  This script reads verbatim excerpts
of that table (scripts/unicode-weights/vitess-tables-excerpt.txt), checks
their block structure, works out which code points can be weighted
exactly from the excerpts (every expansion, contraction and NFKD
decomposition they need is present), and writes a C file with:

  - a page table over the BMP (64 code points per page) pointing into the
    copied trie value blocks, or marking a page as "implicit" (no table
    entry: Vitess derives the weight from the code point) or absent;
  - the expansion, contraction and contraction-trie arrays, with the same
    indices as in Vitess, so the raw element values stay comparable;
  - the NFKD decompositions of the characters whose element says
    "decompose" and the canonical combining classes the contraction
    matcher needs (from Python's unicodedata; these properties have not
    changed for the characters covered since Unicode 6).

Run from the repository root:  python3 scripts/gen-unicode-weights.py
"""

import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "scripts", "unicode-weights", "vitess-tables-excerpt.txt")
OUT = os.path.join(ROOT, "keyspace", "src", "unicode_weights.c")

MISSING = 0xFFFFFFFF      # element value for a code point we cannot weight
INDEX0 = 0x15 * 64        # tableIndex{0x15, 0x0}: lookupOffset 0x15 ("en")
NULL_VALUES_BLOCK = 2     # "Block 2 is the null block" (mainValues)
NULL_LOOKUP_BLOCKS = {0, 1, 2}  # mainLookup blocks 0-2 hold no entries
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3

BLOCK_RE = re.compile(r"//\s*Block (0x[0-9a-fA-F]+|\d+), offset (0x[0-9a-fA-F]+)")
LABEL_RE = re.compile(r"0x([0-9a-fA-F]+):\s*0x([0-9a-fA-F]+)")
HEX_RE = re.compile(r"0x([0-9a-fA-F]+)")
CT_RE = re.compile(r"\{(0x[0-9A-Fa-f]+),\s*(0x[0-9A-Fa-f]+),\s*(\d+),\s*(\d+)\}")


def die(msg):
    sys.exit("gen-unicode-weights: " + msg)


def read_sections(path):
    sections, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if s.startswith("@"):
                cur = s[1:]
                sections[cur] = []
                continue
            if cur is None:
                die("data before the first @section")
            sections[cur].append(s)
    return sections


def parse_labeled(lines, name):
    """Go arrays written as 'idx: value' with block comments."""
    values, blocks, block = {}, set(), None
    for s in lines:
        m = BLOCK_RE.search(s)
        if m:
            num, off = int(m.group(1), 0), int(m.group(2), 16)
            if off != num * 64:
                die("%s: block %#x has offset %#x" % (name, num, off))
            block = num
            blocks.add(num)
            continue
        for idx, val in LABEL_RE.findall(s):
            idx = int(idx, 16)
            if block is None or idx // 64 != block:
                die("%s: entry %#x outside its block" % (name, idx))
            if idx in values:
                die("%s: entry %#x twice" % (name, idx))
            values[idx] = int(val, 16)
    return values, blocks


def parse_sequential(lines, name):
    """Go arrays written as bare values with block comments every 64."""
    values, pos, start = {}, None, None
    for s in lines:
        m = BLOCK_RE.search(s)
        if m:
            num, off = int(m.group(1), 0), int(m.group(2), 16)
            if off != num * 64:
                die("%s: block %d has offset %#x" % (name, num, off))
            if pos is not None and pos - start != 64:
                die("%s: block at %#x has %d entries" % (name, start, pos - start))
            pos = start = off
            continue
        for val in HEX_RE.findall(s):
            values[pos] = int(val, 16)
            pos += 1
    if pos is not None and pos - start != 64:
        die("%s: last block at %#x has %d entries" % (name, start, pos - start))
    return values


def parse_ct(lines):
    return [tuple(int(x, 0) for x in m.groups())
            for s in lines for m in CT_RE.finditer(s)]


class Tables:
    def __init__(self, sec):
        self.values, self.vblocks = parse_labeled(sec.get("mainValues", []), "mainValues")
        self.lookup, self.lblocks = parse_labeled(sec.get("mainLookup", []), "mainLookup")
        self.expand = parse_sequential(sec.get("mainExpandElem", []), "mainExpandElem")
        self.contract = parse_sequential(sec.get("mainContractElem", []), "mainContractElem")
        self.ct = parse_ct(sec.get("mainCTEntries", []))

    def lookup_entry(self, idx):
        blk = idx // 64
        if blk in NULL_LOOKUP_BLOCKS:
            return 0
        if blk not in self.lblocks:
            return None
        return self.lookup.get(idx, 0)

    def value_at(self, off):
        blk = off // 64
        if blk == NULL_VALUES_BLOCK:
            return 0, blk
        if blk not in self.vblocks:
            return None, blk
        return self.values.get(off, 0), blk

    def trie(self, cp):
        """(element, values block) as Vitess's trie lookup finds them."""
        if cp < 0x80:
            return self.value_at(cp)
        if cp < 0x800:
            i = self.lookup_entry(INDEX0 + (0xC0 | cp >> 6))
            if i is None:
                return None, None
            return self.value_at(i * 64 + (0x80 | cp & 0x3F))
        if cp < 0x10000:
            i = self.lookup_entry(INDEX0 + (0xE0 | cp >> 12))
            if i is None:
                return None, None
            i = self.lookup_entry(i * 64 + (0x80 | (cp >> 6) & 0x3F))
            if i is None:
                return None, None
            return self.value_at(i * 64 + (0x80 | cp & 0x3F))
        return None, None


def ctype(v):
    if v <= 0xAFFFFFFF:
        return "normal"
    if v <= 0xDFFFFFFF:
        return "contraction"
    if v <= 0xEFFFFFFF:
        return "expansion"
    return "decompose"


class Coverage:
    def __init__(self, t):
        self.t = t
        self.memo = {}
        self.need_expand = set()
        self.max_contract = -1
        self.max_ct = -1

    def expansion_ok(self, v):
        i = v & 0xFFFF
        if i not in self.t.expand:
            self.need_expand.add(i)
            return False
        n = self.t.expand[i]
        ok = all(j in self.t.expand for j in range(i + 1, i + 1 + n))
        if not ok:
            self.need_expand.add(i + n)
        return ok

    def ct_results(self, index, n):
        """All result indices the contraction trie at (index, n) can give."""
        out, todo = {0}, [(index, n)]
        while todo:
            base, cnt = todo.pop()
            for k in range(base, base + cnt):
                if k >= len(self.t.ct):
                    return None
                self.max_ct = max(self.max_ct, k)
                lo, hi, nn, ii = self.t.ct[k]
                if nn != 0:
                    if ii != 0xFF:
                        out.add(ii)
                    todo.append((base + hi + cnt, nn))
                elif ii != 0xFF:
                    out.update(range(ii, ii + hi - lo + 1))
        return out

    def contraction_ok(self, v):
        n = v & 0xF
        index = (v >> 4) & 0xFFF
        offset = (v >> 16) & 0x1FFF
        res = self.ct_results(index, n)
        if res is None:
            return False
        for r in res:
            e = self.t.contract.get(offset + r)
            if e is None:
                return False
            self.max_contract = max(self.max_contract, offset + r)
            if ctype(e) == "expansion" and not self.expansion_ok(e):
                return False
            if ctype(e) not in ("normal", "expansion"):
                return False
        return True

    def ok(self, cp):
        if cp in self.memo:
            return self.memo[cp]
        self.memo[cp] = False   # cycles are never derivable
        self.memo[cp] = self._ok(cp)
        return self.memo[cp]

    def _ok(self, cp):
        if 0xD800 <= cp <= 0xDFFF or HANGUL_FIRST <= cp <= HANGUL_LAST:
            return False
        v, _ = self.t.trie(cp)
        if v is None:
            return False
        kind = ctype(v)
        if kind == "normal":
            return True
        if kind == "expansion":
            return self.expansion_ok(v)
        if kind == "contraction":
            return self.contraction_ok(v)
        d = unicodedata.normalize("NFKD", chr(cp))
        if d == chr(cp):
            return False
        return all(self.ok(ord(c)) for c in d)


def ccc_info(cp):
    """(lead ccc, trail ccc, leading non-starters) of cp's NFD form."""
    d = unicodedata.normalize("NFD", chr(cp))
    nlead = 0
    while nlead < len(d) and unicodedata.combining(d[nlead]):
        nlead += 1
    return unicodedata.combining(d[0]), unicodedata.combining(d[-1]), nlead


def ranges(cps):
    out = []
    for cp in sorted(cps):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def hexlist(vals, per_line, fmt):
    lines = []
    for i in range(0, len(vals), per_line):
        lines.append("    " + ", ".join(fmt % v for v in vals[i:i + per_line]) + ",")
    return "\n".join(lines)


def build(t):
    cov = Coverage(t)
    pages = {}          # page -> list of 64 element values, or "implicit"
    covered = set()
    for page in range(0x10000 // 64):
        base = page * 64
        v, blk = t.trie(base)
        if v is None:
            continue
        if blk == NULL_VALUES_BLOCK and not any(
                HANGUL_FIRST <= c <= HANGUL_LAST or 0xD800 <= c <= 0xDFFF
                for c in range(base, base + 64)):
            pages[page] = "implicit"
            covered.update(range(base, base + 64))
            continue
        elems = []
        for cp in range(base, base + 64):
            if cov.ok(cp):
                elems.append(t.trie(cp)[0])
                covered.add(cp)
            else:
                elems.append(MISSING)
        if any(e != MISSING for e in elems):
            pages[page] = elems
    return cov, pages, covered


def emit(t, cov, pages, covered, out):
    blocks, page_idx = [], [0] * (0x10000 // 64)
    for page in sorted(pages):
        if pages[page] == "implicit":
            page_idx[page] = 1
        else:
            page_idx[page] = 2 + len(blocks)
            blocks.append(pages[page])

    nexp = max(i for i in t.expand) + 1 if t.expand else 0
    expand = [t.expand.get(i, 0) for i in range(nexp)]
    ncon = cov.max_contract + 1
    contract = [t.contract[i] for i in range(ncon)]
    ct = t.ct[:cov.max_ct + 1]

    decomp = []
    for cp in sorted(covered):
        v, _ = t.trie(cp) if page_idx[cp >> 6] != 1 else (0, None)
        if v is not None and ctype(v) == "decompose":
            decomp.append((cp, unicodedata.normalize("NFKD", chr(cp)).encode("utf-8")))
    # Every covered code point, implicit pages included: the contraction
    # matcher asks the normalizer (not the table) for combining classes.
    ccc = [(cp,) + ccc_info(cp) for cp in sorted(covered) if ccc_info(cp) != (0, 0, 0)]

    pool, dtab = bytearray(), []
    for cp, b in decomp:
        dtab.append((cp, len(pool), len(b)))
        pool += b

    cov_text = ", ".join("U+%04X-U+%04X" % (a, b) if a != b else "U+%04X" % a
                         for a, b in ranges(covered))

    w = out.write
    w("/*\n * unicode_weights.c - GENERATED by scripts/gen-unicode-weights.py; "
      "do not edit.\n *\n")
    w(" * Collation elements of Vitess's unicode_loose_* vindexes: the CLDR 23\n"
      " * root table (Unicode 6.2.0) as vitessio/vitess holds it in\n"
      " * go/mysql/collations/vindex/collate/tables.go (commit\n"
      " * 81df0842ada3ee911327d7d60b1c5bbb8ffe1980), copied from the excerpts in\n"
      " * scripts/unicode-weights/vitess-tables-excerpt.txt.  Element values,\n"
      " * expansion and contraction indices are Vitess's own.  NFKD\n"
      " * decompositions and combining classes come from Unicode (Python\n"
      " * unicodedata %s).\n *\n" % unicodedata.unidata_version)
    w(" * Code points weighted exactly (%d):\n" % len(covered))
    line = " *  "
    for part in cov_text.split(", "):
        if len(line) + len(part) > 76:
            w(line.rstrip() + "\n")
            line = " *  "
        line += part + ", "
    w(line.rstrip(", ") + "\n */\n")
    w('#include "unicode_weights.h"\n\n')
    w('const char vr_uca_coverage[] =\n')
    for i in range(0, len(cov_text), 64):
        w('    "%s"\n' % cov_text[i:i + 64])
    w(';\n\n')
    w("const uint16_t vr_uca_page[VR_UCA_PAGES] = {\n")
    w(hexlist(page_idx, 16, "%d") + "\n};\n\n")
    w("const uint32_t vr_uca_block[][64] = {\n")
    for b in blocks:
        w("    {\n" + hexlist(b, 6, "0x%08X").replace("\n    ", "\n        ").replace("    0x", "        0x", 1) + "\n    },\n")
    w("};\nconst size_t vr_uca_nblocks = sizeof(vr_uca_block) / sizeof(vr_uca_block[0]);\n\n")
    w("const uint32_t vr_uca_expand[] = {\n" + hexlist(expand, 6, "0x%08X") + "\n};\n")
    w("const size_t vr_uca_expand_len = sizeof(vr_uca_expand) / sizeof(vr_uca_expand[0]);\n\n")
    w("const uint32_t vr_uca_contract[] = {\n" + hexlist(contract, 6, "0x%08X") + "\n};\n")
    w("const size_t vr_uca_contract_len = sizeof(vr_uca_contract) / sizeof(vr_uca_contract[0]);\n\n")
    w("const vr_uca_ctentry_t vr_uca_ctentries[] = {\n")
    for e in ct:
        w("    {0x%02X, 0x%02X, %d, %d},\n" % e)
    w("};\nconst size_t vr_uca_ctentries_len =\n    sizeof(vr_uca_ctentries) / sizeof(vr_uca_ctentries[0]);\n\n")
    w("const uint8_t vr_uca_decomp_pool[] = {\n" + hexlist(list(pool), 12, "0x%02X") + "\n};\n\n")
    w("const vr_uca_decomp_t vr_uca_decomp[] = {\n")
    for cp, off, ln in dtab:
        w("    {0x%04X, %d, %d},\n" % (cp, off, ln))
    w("};\nconst size_t vr_uca_decomp_len = sizeof(vr_uca_decomp) / sizeof(vr_uca_decomp[0]);\n\n")
    w("const vr_uca_ccc_t vr_uca_ccc[] = {\n")
    for cp, lead, trail, nlead in ccc:
        w("    {0x%04X, %d, %d, %d},\n" % (cp, lead, trail, nlead))
    w("};\nconst size_t vr_uca_ccc_len = sizeof(vr_uca_ccc) / sizeof(vr_uca_ccc[0]);\n")
    return dict(expand=nexp, contract=ncon, ct=len(ct), decomp=len(dtab), ccc=len(ccc))


def main():
    if tuple(int(x) for x in unicodedata.unidata_version.split(".")) < (14, 0, 0):
        die("needs Python unicodedata 14.0 or later (Vitess normalizes with Unicode 15)")
    t = Tables(read_sections(SRC))
    cov, pages, covered = build(t)
    if "--needs" in sys.argv:
        print("missing expansion indices:", ", ".join("%#x" % i for i in sorted(cov.need_expand)))
        print("ExpandElem blocks needed:", sorted({i // 64 for i in cov.need_expand}))
        return
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        sizes = emit(t, cov, pages, covered, out)
    os.replace(tmp, OUT)
    print("wrote %s: %d code points, %s" % (OUT, len(covered), sizes))
    missing = sorted(cov.need_expand)
    if missing:
        print("note: %d expansions not in the excerpt; their code points are left out" % len(missing))


if __name__ == "__main__":
    main()
