"""Statistics of leaderboard cells: mean, spread, interval and ties.

A cell holds one value per run (a pre-training seed with its transfer).
The interval is the two-sided 95 % Student-t confidence interval of the
mean, ``mean ± t(0.975, n-1) * sd / sqrt(n)`` with the sample standard
deviation (``ddof=1``); it needs n ≥ 2. Two rows are *statistically tied*
when their intervals overlap, and one is *ahead* of another when its
interval lies entirely above. Non-overlap is a conservative test (it
separates fewer pairs than a two-sample t-test would), so a claim that
passes it holds. docs/benchmarks.md §6 says how to read the marks and how
many seeds a claim needs.
"""
import math
from dataclasses import dataclass
from typing import Dict, Hashable, Optional, Sequence, Set, Tuple

from scipy import stats as _scipy_stats

__all__ = ['CellStats', 'cell_stats', 'tied_with_best', 'CONFIDENCE']

#: Coverage of the interval.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class CellStats:
    """Summary of one cell's values.

    Attributes:
        values (tuple): The values, in record order.
        n (int): Their number.
        mean (float): Their mean.
        sd (float | None): Sample standard deviation; None for n < 2.
        half_width (float | None): Half width of the 95 % t-interval of the
            mean; None for n < 2.
    """
    values: Tuple[float, ...]
    n: int
    mean: float
    sd: Optional[float]
    half_width: Optional[float]

    @property
    def low(self) -> Optional[float]:
        return None if self.half_width is None else self.mean - \
            self.half_width

    @property
    def high(self) -> Optional[float]:
        return None if self.half_width is None else self.mean + \
            self.half_width


def cell_stats(values: Sequence[float]) -> CellStats:
    """Mean, sample sd and 95 % t-interval half width of ``values``.

    Raises:
        ValueError: if ``values`` is empty.
    """
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError('cell_stats needs at least one value')
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return CellStats(values, n, mean, None, None)
    sd = math.sqrt(sum((v - mean)**2 for v in values) / (n - 1))
    t = float(_scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))
    return CellStats(values, n, mean, sd, t * sd / math.sqrt(n))


def tied_with_best(
    cells: Dict[Hashable,
                CellStats]) -> Tuple[Optional[Hashable], Set[Hashable]]:
    """The best row of a column and the rows statistically tied with it.

    A row with one run has no interval: it is never tied, and when it has
    the highest mean nothing is marked (it might be ahead or not).

    Args:
        cells (dict): Row key -> :class:`CellStats` of one column (higher
            is better).

    Returns:
        tuple: ``(best, tied)``: the key of the highest mean (None if
        ``cells`` is empty) and the keys whose intervals overlap the best's
        (the best included; empty when the best has n < 2).
    """
    if not cells:
        return None, set()
    best = max(cells, key=lambda k: cells[k].mean)
    low = cells[best].low
    if low is None:
        return best, set()
    return best, {
        k
        for k, c in cells.items() if c.high is not None and c.high >= low
    }
