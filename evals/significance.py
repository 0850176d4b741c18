"""Paired significance tests between two retrieval configurations on the same questions.

Fisher's randomization test on per-question scores: under the null hypothesis the two
configurations are exchangeable, so each question's pair of scores may be swapped
(sign flip of the difference). The p-value is the share of swaps whose mean difference is
at least as extreme as the observed one. Smucker, Allan & Carterette (CIKM 2007) recommend it
for IR evaluation; scipy runs it exactly when 2^n is small, else on a seeded random sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

RESAMPLES = 20_000
SEED = 20261129  # fixed, so a report is reproducible


def paired_randomization_test(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value for mean(a) ≠ mean(b), with a[i] and b[i] from the same question."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {len(x)} vs {len(y)}")
    if len(x) == 0 or np.array_equal(x, y):
        return 1.0
    result = stats.permutation_test(
        (x, y), lambda u, v, axis: np.mean(u - v, axis=axis), permutation_type="samples",
        vectorized=True, n_resamples=RESAMPLES, alternative="two-sided", random_state=SEED,
    )
    return float(min(1.0, result.pvalue))
