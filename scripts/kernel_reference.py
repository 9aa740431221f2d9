#!/usr/bin/env python3
"""Independent reference for attest's work kernel (Sources/SwarmRuntime/WorkKernel.swift).

Recomputes a task's output digest from (seed, iterations) with nothing but Python's standard
library, so anyone can check the digests recorded in a bundle without trusting attest's code:

    python3 scripts/kernel_reference.py SEED ITERATIONS

Slow (pure Python, ~1 µs per iteration): fine for spot checks and test vectors.
"""
import hashlib
import struct
import sys

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def kernel_digest(seed, iterations):
    state = seed & MASK
    lanes = []
    for _ in range(4):
        state, value = splitmix64(state)
        lanes.append(value)
    a, b, c, d = lanes
    for _ in range(iterations):
        t = (b << 17) & MASK
        c ^= a
        d ^= b
        b ^= c
        a ^= (d * 0x2545F4914F6CDD1D) & MASK
        c ^= t
        d = ((d << 45) | (d >> 19)) & MASK
    return hashlib.sha256(struct.pack("<4Q", a, b, c, d)).hexdigest()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: kernel_reference.py SEED ITERATIONS")
    print(kernel_digest(int(sys.argv[1]), int(sys.argv[2])))
