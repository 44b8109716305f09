#!/usr/bin/env python3
"""png_check.py FILE.png MIN_COLOURS MIN_INK_FRACTION: decodes an 8-bit RGB/RGBA PNG with zlib
(no PIL) and fails unless it has at least MIN_COLOURS distinct colours and at least
MIN_INK_FRACTION of pixels that are not near-white: a blank or error page fails."""
import struct, sys, zlib

def decode(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w, h, ctype = 8, b'', 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6), 'only 8-bit RGB/RGBA PNGs (chromium writes those)'
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return w, h, bpp, rows

w, h, bpp, rows = decode(sys.argv[1])
colours, ink = set(), 0
for r in rows:
    for x in range(0, len(r), bpp):
        px = r[x:x + 3]; colours.add(px)
        if min(px) < 235: ink += 1
frac = ink / float(w * h)
print(f'png {w}x{h}: {len(colours)} distinct colours, {frac:.3f} of pixels not near-white')
ok = len(colours) >= int(sys.argv[2]) and frac >= float(sys.argv[3])
print('ok' if ok else 'FAIL: the screenshot looks blank')
sys.exit(0 if ok else 1)
