# Work balance of the x86 NhwcConv / NhwcDepthwiseConv thread splits, before (main at
# e7ddcfb) and after branch conv-threads, for AVX-512 (16 lanes, NR 32, Mr 8 or 7) and
# batch 1: per Conv of an ONNX model, the busiest thread's work (NhwcConv: tile x
# output-channel-vector steps of its units; depthwise: rows x channel vectors) over the
# ideal total / T. A re-implementation of the rules in src/kernels/x86/
# conv_nhwc_f32_driver.hpp (nhwc_conv_split) and depthwise_conv_nhwc_f32_driver.hpp
# (dw_channel_groups): keep it in step if they change. No timing: it shows why a conv
# cannot scale (one thread gets more work), which a loaded 2-core machine cannot measure.
# Usage: /usr/bin/python3 bench/conv_split_balance.py MODEL.onnx [THREADS]  (needs onnx)
import onnx, sys
from onnx import shape_inference
L = 16; NR = 32
def chunk(n, T, t): return n * t // T, n * (t + 1) // T
def mr_of(P):
    r8 = -(-P // 8) * 8; r7 = -(-P // 7) * 7
    return 7 if r7 < r8 else 8
def conv_old(P, M, taps, T):
    Mr = mr_of(P); panels = -(-M // NR)
    mc_cap = min(256, 32768 // (taps * 8)) // Mr * Mr
    mc = min(mc_cap, -(-P // Mr) * Mr)
    if T > 1 and P > mc:
        blocks = -(-(-(-P // mc)) // T) * T; mc = -(-(-(-P // blocks)) // Mr) * Mr
    pbl = -(-P // mc); ppu = panels
    if T > 1 and pbl < 2 * T:
        want = min(panels, -(-2 * T // pbl)); ppu = -(-panels // want)
    nbl = -(-panels // ppu)
    units = []
    for pb in range(pbl):
        j0 = pb * mc; ln = min(mc, P - j0); tiles = -(-ln // Mr)
        for nb in range(nbl):
            q0 = nb * ppu; q1 = min(panels, q0 + ppu)
            units.append(tiles * vecs(q0, q1, panels, M))
    return units
def vecs(q0, q1, panels, M):
    last = -(-(M - (panels - 1) * NR) // L)
    return 2 * (q1 - q0) - (2 - last if q1 == panels else 0)
def conv_new(P, M, taps, T):
    Mr = mr_of(P); panels = -(-M // NR); tiles = -(-P // Mr)
    mc_cap = min(256, 32768 // (taps * 8)) // Mr * Mr; maxt = mc_cap // Mr
    pbmin = max(1, -(-tiles // maxt)); best = (pbmin, 1)
    if T > 1:
        if pbmin >= 4 * T: best = (min(tiles, -(-pbmin // T) * T), 1)
        else:
            bc = -1; bu = 0
            for pb in range(pbmin, min(tiles, pbmin + 2 * T - 1) + 1):
                for nb in range(1, min(panels, 2 * T) + 1):
                    u = pb * nb; worst = 0
                    for t in range(T):
                        a, b = chunk(u, T, t); c = 0
                        for x in range(a, b):
                            i = x // nb % pb; q = x % nb
                            c += (tiles * (i + 1) // pb - tiles * i // pb) * vecs(panels * q // nb, panels * (q + 1) // nb, panels, M) + 2
                        worst = max(worst, c)
                    if bc < 0 or worst * 32 < bc * 31 or (worst * 31 <= bc * 32 and u < bu):
                        bc, bu, best = worst, u, (pb, nb)
    pb, nb = best
    return [(tiles * (i + 1) // pb - tiles * i // pb) * vecs(panels * q // nb, panels * (q + 1) // nb, panels, M)
            for i in range(pb) for q in range(nb)]
def dw(rows, C, T, new):
    nv = -(-C // L); g = 1
    if new and T > 1 and rows % T and rows < 16 * T:
        while g < nv and (rows * g) % T: g += 1
    return [nv * (q + 1) // g - nv * q // g for r in range(rows) for q in range(g)]
def share(units, T):
    tot = sum(units); return max(sum(units[slice(*chunk(len(units), T, t))]) for t in range(T)) / (tot / T)
m = onnx.load(sys.argv[1]); m = shape_inference.infer_shapes(m)
shp = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)}
init = {i.name: list(i.dims) for i in m.graph.initializer}
T = int(sys.argv[2]) if len(sys.argv) > 2 else 2
tw_old = tw_new = tot = 0
for n in m.graph.node:
    if n.op_type != 'Conv': continue
    w = init[n.input[1]]; y = shp.get(n.output[0])
    if not y or len(y) != 4: continue
    grp = next((a.i for a in n.attribute if a.name == 'group'), 1)
    P = y[2] * y[3]; M = w[0]; taps = w[2] * w[3]
    if grp == 1:
        o, nw = conv_old(P, M, taps, T), conv_new(P, M, taps, T); work = P * M * w[1] * taps
    elif grp == M and w[1] == 1:
        o, nw = dw(y[2], M, T, False), dw(y[2], M, T, True); work = P * M * taps
    else: continue
    so, sn = share(o, T), share(nw, T); tot += work; tw_old += work * so; tw_new += work * sn
    if so > 1.03 or sn > 1.03:
        print(f"{n.name[-38:]:38s} {'dw' if grp > 1 else 'conv'} {y[2]}x{y[3]} M={M} C={w[1]} k={w[2]}  busiest/ideal old {so:.2f} ({len(o)} units)  new {sn:.2f} ({len(nw)} units)")
print(f"work-weighted busiest/ideal over all convs: old {tw_old/tot:.3f} new {tw_new/tot:.3f}")
