"""Writes nf4_reference.json: NF4 quantization of a deterministic test tensor computed the way
bitsandbytes' default (pure torch) backend does it, transcribed to numpy float32:

- bitsandbytes/backends/default/ops.py  quantize_4bit: absmax per block of 64,
  scaled = clamp(A * (1 / absmax), -1, 1), code = argmin |scaled - NF4|, packed = q[::2] << 4 | q[1::2]
  (odd length padded with scaled 0.0);
- bitsandbytes/functional.py  quantize_4bit(compress_statistics=True): offset = absmax.mean(),
  quantize_blockwise(absmax - offset, code=create_dynamic_map(), blocksize=256), which in ops.py is
  absmax2 per 256, scaled = clamp(x * (1 / absmax2), -1, 1), argmin over the 256-entry map;
- create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8) with torch.linspace in float32.

The input is generated from a 64-bit LCG with exact integer arithmetic so that Java rebuilds it
bit for bit (see Nf4ReferenceTest). Run: python3 make_nf4_reference.py
"""
import json
import numpy as np

F = np.float32
NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0], dtype=F)
N = 64 * 600 + 3
ZERO_BLOCK = 5
SEED = 20260425


def make_input():
    mask = (1 << 64) - 1
    state = SEED
    out = np.empty(N, dtype=F)
    for k in range(N):
        state = (state * 6364136223846793005 + 1442695040888963407) & mask
        u = state >> 40  # 24 bits
        v = (u - (1 << 23)) / float(1 << 23)  # exact in double
        scale = 0.01 * (1 + ((k // 64) % 7))
        out[k] = F(v * v * v * scale)
    out[ZERO_BLOCK * 64:(ZERO_BLOCK + 1) * 64] = 0
    return out


def linspace_f32(start, end, steps):
    start, end = F(start), F(end)
    step = F((end - start) / F(steps - 1))
    half = steps // 2
    return np.array([start + step * F(i) if i < half else end - step * F(steps - i - 1) for i in range(steps)], dtype=F)


def dynamic_map():
    data = []
    for i in range(7):
        b = linspace_f32(0.1, 1.0, 2 ** i + 1)
        means = (b[:-1] + b[1:]) / F(2.0)
        scale = F(10.0 ** (-6 + i))
        data += list(scale * means)
        data += list(F(-scale) * means)
    data += [F(0.0), F(1.0)]
    assert len(data) == 256
    return np.sort(np.array(data, dtype=F))


def blockwise(a, blocksize, code):
    n = a.size
    blocks = (n + blocksize - 1) // blocksize
    absmax = np.zeros(blocks, dtype=F)
    q = np.zeros(n, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        for b in range(blocks):
            x = a[b * blocksize:(b + 1) * blocksize]
            m = F(np.max(np.abs(x)))
            absmax[b] = m
            scaled = np.clip(x * (F(1.0) / m), F(-1), F(1)).astype(F)
            diff = np.abs(scaled[:, None] - code[None, :])
            q[b * blocksize:(b + 1) * blocksize] = np.argmin(np.nan_to_num(diff, nan=np.inf), axis=1) if not np.isnan(scaled).any() else 0
    return q, absmax


w = make_input()
q, absmax = blockwise(w, 64, NF4)
qp = np.concatenate([q, [7]]) if q.size % 2 else q  # pad: scaled 0.0 -> code 7
packed = ((qp[0::2] << 4) | qp[1::2]).astype(np.uint8)
offset = F(np.mean(absmax.astype(np.float64)))
dmap = dynamic_map()
q2, absmax2 = blockwise((absmax - offset).astype(F), 256, dmap)

def bits(a):
    return [int(x) for x in np.asarray(a, dtype=F).view(np.int32)]

json.dump({
    "note": "see make_nf4_reference.py",
    "n": N, "seed": SEED, "zero_block": ZERO_BLOCK, "blocksize": 64, "nested_blocksize": 256,
    "input_bits_first_8": bits(w[:8]),
    "packed_hex": packed.tobytes().hex(),
    "absmax_bits": bits(absmax),
    "dynamic_map_bits": bits(dmap),
    "dq_codes_hex": q2.astype(np.uint8).tobytes().hex(),
    "dq_absmax_bits": bits(absmax2),
    "dq_offset_bits": bits([offset])[0],
}, open("nf4_reference.json", "w"), indent=0)
print(N, "values,", packed.size, "bytes; zero-block codes:", q[ZERO_BLOCK * 64:ZERO_BLOCK * 64 + 4])
