#!/usr/bin/env python3
"""Fits the two polynomials of SeqCore's float erf (src/SeqCore/Cpu/NormalCdfFloat.cs) and prints their coefficients.

    erf(z)            ≈ z · A(z²)           for 0 ≤ z ≤ 1   (A of degree 6)
    erfc(z) · exp(z²) ≈ B(1/z)              for z > 1       (B of degree 8, fitted on 1 ≤ z ≤ 4; beyond, exp(−z²) < 1e-7)

Least-squares Chebyshev fits on 4000 Chebyshev nodes against Python's math.erf / math.erfc (double), converted to
the power basis. Prints the maximum absolute error of each on a fine grid (in double: about 1.3e-9 and 4.4e-9,
far below float's 6e-8 rounding unit). Run: /usr/bin/python3 tests/golden/fit_erf_float.py
"""
import math

import numpy as np

N = 4000
nodes = np.cos(np.pi * (np.arange(N) + 0.5) / N)

z = nodes * 0.5 + 0.5
a = np.polynomial.chebyshev.Chebyshev.fit(z * z, [math.erf(v) / v for v in z], 6).convert(kind=np.polynomial.Polynomial).coef
grid = np.linspace(0, 1, 20001)
err_a = max(abs(np.polyval(a[::-1], grid * grid) * grid - np.array([math.erf(v) for v in grid])))

zb = 1 / (nodes * 0.375 + 0.625)
b = np.polynomial.chebyshev.Chebyshev.fit(1 / zb, [math.erfc(v) * math.exp(v * v) for v in zb], 8).convert(kind=np.polynomial.Polynomial).coef
grid = np.linspace(1, 4, 20001)
err_b = max(abs(np.exp(-grid * grid) * np.polyval(b[::-1], 1 / grid) - np.array([math.erfc(v) for v in grid])))

print("A (constant term first):", ", ".join(f"{c:.9e}f" for c in a))
print("B (constant term first):", ", ".join(f"{c:.9e}f" for c in b))
print(f"max abs error: A {err_a:.2e}, B {err_b:.2e}")
