"""Small numerical helpers for generation (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def largest_remainder(weights: Sequence[float] | np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly to ``total``."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        zeros: np.ndarray = np.zeros(len(w), dtype=np.int64)
        return zeros
    exact = w / w.sum() * total
    base: np.ndarray = np.floor(exact).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        order = np.argsort(-(exact - base), kind="stable")
        base[order[:short]] += 1
    return base


def zipf_weights(n: int, exponent: float = 1.0) -> np.ndarray:
    ranks = np.arange(1, n + 1, dtype=np.float64)
    w: np.ndarray = 1.0 / ranks**exponent
    normalised: np.ndarray = w / w.sum()
    return normalised


def choice(
    rng: np.random.Generator, n_items: int, size: int, p: np.ndarray | None = None
) -> np.ndarray:
    if n_items == 0 or size == 0:
        return np.zeros(size, dtype=np.int64)
    return rng.choice(n_items, size=size, p=p)


ID_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


MULTIPLIER = 2_654_435_761  # odd and not divisible by 17: invertible modulo 34**length


def unique_codes(indices: np.ndarray, length: int = 7, salt: int = 0) -> list[str]:
    """Distinct, random-looking codes from distinct indices (a bijection modulo 34**length)."""
    base = len(ID_ALPHABET)
    modulus = base**length
    values = (indices.astype(np.int64) * MULTIPLIER + 7_919 * (salt + 1)) % modulus
    alphabet = np.frombuffer(ID_ALPHABET.encode(), dtype=np.uint8)
    chars = np.empty((len(values), length), dtype=np.uint8)
    for position in range(length - 1, -1, -1):
        values, rem = np.divmod(values, base)
        chars[:, position] = alphabet[rem]
    return chars.view(f"S{length}").ravel().astype(str).tolist()


def code_index(code: str, salt: int = 0) -> int:
    """The index that :func:`unique_codes` turns into ``code`` (its inverse)."""
    base = len(ID_ALPHABET)
    modulus = base ** len(code)
    value = 0
    for ch in code:
        value = value * base + ID_ALPHABET.index(ch)
    return int(((value - 7_919 * (salt + 1)) * pow(MULTIPLIER, -1, modulus)) % modulus)
