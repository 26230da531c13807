"""Probabilistic duplicate detection (pure): blocking, pairwise scoring with reasons.

Records are compared only within blocks (same surname sound and birth date; same given-name
sound, birth date and district; same phone; same surname and given-name sound and birth year), so
the work grows with the number of plausible pairs, not with the square of the population. Each
pair gets agreement weights in the Fellegi–Sunter manner: agreement on a discriminating field adds
its weight, disagreement subtracts; different national ids are strong evidence of two people
(twins share everything else), a national id with one or two characters off is a typo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist

COLUMNS = (
    "id", "fin", "surname_key", "given_key", "patronymic_key", "surname_phon", "given_phon",
    "sex", "birth_date", "district_code", "phone",
)  # fmt: skip

BLOCKS: tuple[tuple[str, ...], ...] = (
    ("surname_phon", "birth_date"),
    ("given_phon", "birth_date", "district_code"),
    ("phone",),
    ("surname_phon", "given_phon", "birth_year"),
)
MAX_BLOCK = 60
THRESHOLD = 9.0


@dataclass(frozen=True)
class Pairs:
    left: np.ndarray
    right: np.ndarray


def block_pairs(frame: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """(left, right) id pairs, left < right, sharing every key of one block (blocks larger than
    MAX_BLOCK are skipped: a key that common says nothing)."""
    sub = frame.select("id", *keys).drop_nulls()
    for key in keys:
        if sub.schema[key] == pl.String:
            sub = sub.filter(pl.col(key) != "")
    sizes = sub.group_by(list(keys)).len()
    sub = sub.join(sizes.filter(pl.col("len") <= MAX_BLOCK).drop("len"), on=list(keys))
    joined = sub.join(sub, on=list(keys), suffix="_r").filter(pl.col("id") < pl.col("id_r"))
    return joined.select(pl.col("id").alias("left"), pl.col("id_r").alias("right"))


def _similarity(a: list[str], b: list[str]) -> np.ndarray:
    return np.asarray(
        cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=-1), dtype=np.float64
    )


def _fin_distance(a: pl.Series, b: pl.Series) -> np.ndarray:
    """Characters that differ between two ids of equal length (99 when unequal length)."""
    width = 16
    left = np.frombuffer(
        a.fill_null("").str.pad_end(width).to_numpy().astype(f"S{width}").tobytes(), np.uint8
    ).reshape(-1, width)
    right = np.frombuffer(
        b.fill_null("").str.pad_end(width).to_numpy().astype(f"S{width}").tobytes(), np.uint8
    ).reshape(-1, width)
    differ = (left != right).sum(axis=1)
    same_length = (a.str.len_chars() == b.str.len_chars()).fill_null(False).to_numpy()
    return np.where(same_length, differ, 99)


def score_pairs(people: pl.DataFrame, pairs: Pairs, threshold: float = THRESHOLD) -> pl.DataFrame:
    """Score every pair; returns those at or over ``threshold`` with the reasons that applied."""
    ids = people["id"].to_numpy()
    L = people[np.searchsorted(ids, pairs.left)]  # noqa: N806
    R = people[np.searchsorted(ids, pairs.right)]  # noqa: N806
    sur = _similarity(L["surname_key"].to_list(), R["surname_key"].to_list())
    giv = _similarity(L["given_key"].to_list(), R["given_key"].to_list())
    lpat, rpat = L["patronymic_key"].fill_null(""), R["patronymic_key"].fill_null("")
    pat = _similarity(lpat.to_list(), rpat.to_list())
    pat_present = ((lpat != "") & (rpat != "")).to_numpy()
    lb, rb = L["birth_date"], R["birth_date"]
    bd_exact = (lb == rb).fill_null(False).to_numpy()
    swapped = (
        (
            (lb.dt.year() == rb.dt.year())
            & (lb.dt.month() == rb.dt.day())
            & (lb.dt.day() == rb.dt.month())
        )
        .fill_null(False)
        .to_numpy()
    )
    near = ((lb - rb).dt.total_days().abs() <= 9).fill_null(False).to_numpy() & (
        (lb.dt.year() == rb.dt.year()).fill_null(False).to_numpy()
    )
    bd_partial = (swapped | near) & ~bd_exact
    bd_missing = (lb.is_null() | rb.is_null()).to_numpy()
    sex_same = (L["sex"] == R["sex"]).to_numpy()
    dist_same = (L["district_code"] == R["district_code"]).fill_null(False).to_numpy()
    phone_same = (L["phone"] == R["phone"]).fill_null(False).to_numpy()
    fin_both = (L["fin"].is_not_null() & R["fin"].is_not_null()).to_numpy()
    fin_diff = _fin_distance(L["fin"], R["fin"])

    score = np.zeros(len(sur))
    score += np.where(sur >= 0.95, 4.0, np.where(sur >= 0.85, 2.5, -3.0))
    score += np.where(giv >= 0.95, 5.0, np.where(giv >= 0.85, 3.0, -6.0))
    score += np.where(pat_present, np.where(pat >= 0.9, 2.0, -2.0), 0.0)
    score += np.where(bd_exact, 4.0, np.where(bd_partial, 1.5, np.where(bd_missing, 0.0, -5.0)))
    score += np.where(sex_same, 0.5, -4.0)
    score += np.where(dist_same, 1.0, -0.5)
    score += np.where(phone_same, 1.5, 0.0)
    score += np.where(fin_both, np.where(fin_diff <= 2, 3.0, -8.0), 0.0)

    kept = np.flatnonzero(score >= threshold)
    reasons = []
    for i in kept:
        why = []
        why.append(
            f"surname {'same' if sur[i] >= 0.95 else 'similar' if sur[i] >= 0.85 else 'different'}"
        )
        why.append(
            f"given name {'same' if giv[i] >= 0.95 else 'similar' if giv[i] >= 0.85 else 'different'}"
        )
        if bd_exact[i]:
            why.append("birth date same")
        elif bd_partial[i]:
            why.append("birth date nearly same")
        if dist_same[i]:
            why.append("same district")
        if phone_same[i]:
            why.append("same phone")
        if fin_both[i]:
            why.append(
                "national ids nearly equal (typo)" if fin_diff[i] <= 2 else "different national ids"
            )
        if pat_present[i] and pat[i] >= 0.9:
            why.append("patronymic same")
        reasons.append(why)
    return pl.DataFrame(
        {
            "left": pairs.left[kept],
            "right": pairs.right[kept],
            "score": np.round(score[kept], 2),
            "reasons": reasons,
        },
        schema={
            "left": pl.Int64,
            "right": pl.Int64,
            "score": pl.Float64,
            "reasons": pl.List(pl.String),
        },
    )


def find_duplicates(
    people: pl.DataFrame,
    threshold: float = THRESHOLD,
    *,
    chunk: int = 1_000_000,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pl.DataFrame, int]:
    """Candidate pairs scoring at least ``threshold``, best first; and how many comparisons were
    made. Blocks are paired one key at a time and scored ``chunk`` pairs at a time, so memory
    stays bounded at national scale; a pair found by two blocks is kept once."""
    frame = people.sort("id").with_columns(pl.col("birth_date").dt.year().alias("birth_year"))
    found = [_EMPTY]
    compared = 0
    for done, keys in enumerate(BLOCKS):
        pairs = block_pairs(frame, keys)
        for offset in range(0, pairs.height, chunk):
            part = pairs.slice(offset, chunk)
            compared += part.height
            found.append(
                score_pairs(
                    frame, Pairs(part["left"].to_numpy(), part["right"].to_numpy()), threshold
                )
            )
        if progress:
            progress(done + 1, len(BLOCKS))
    return (
        pl.concat(found)
        .unique(["left", "right"], keep="first", maintain_order=True)
        .sort("score", "left", "right", descending=[True, False, False]),
        compared,
    )


_EMPTY = pl.DataFrame(
    schema={"left": pl.Int64, "right": pl.Int64, "score": pl.Float64, "reasons": pl.List(pl.String)}
)
