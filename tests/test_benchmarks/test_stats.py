"""Leaderboard statistics against hand-computed values."""
import math

import pytest

from lgd_mm.benchmark.stats import cell_stats, tied_with_best


def test_mean_sd_and_t_interval_by_hand():
    st = cell_stats([30.0, 32.0, 34.0])
    assert (st.n, st.mean) == (3, 32.0)
    assert st.sd == pytest.approx(2.0)  # sqrt(((-2)^2 + 0 + 2^2) / 2)
    # t(0.975, 2) = 4.302653: 4.302653 * 2 / sqrt(3)
    assert st.half_width == pytest.approx(4.968275, abs=1e-5)
    assert (st.low, st.high) == pytest.approx((27.031725, 36.968275))
    # sd = sqrt(2), t(0.975, 1) = 12.706205: 12.706205 * sqrt(2) / sqrt(2)
    two = cell_stats([10.0, 12.0])
    assert two.sd == pytest.approx(math.sqrt(2))
    assert two.half_width == pytest.approx(12.706205, abs=1e-5)


def test_one_value_and_identical_values():
    one = cell_stats([25.4])
    assert (one.n, one.mean, one.sd, one.half_width) == (1, 25.4, None, None)
    assert one.low is None and one.high is None
    same = cell_stats([7.5, 7.5, 7.5])
    assert (same.sd, same.half_width, same.low, same.high) == (0.0, 0.0, 7.5,
                                                               7.5)
    with pytest.raises(ValueError):
        cell_stats([])


def test_ties_with_the_best():
    cells = {
        'a': cell_stats([30.0, 32.0, 34.0]),  # 27.03 .. 36.97, best
        'b': cell_stats([28.0, 29.0, 30.0]),  # 26.52 .. 31.48: overlaps
        'c': cell_stats([20.0, 21.0, 22.0]),  # 18.52 .. 23.48: behind
        'd': cell_stats([31.0]),  # one run: never tied
    }
    best, tied = tied_with_best(cells)
    assert best == 'a' and tied == {'a', 'b'}
    # a single run with the highest mean: nothing can be claimed
    best, tied = tied_with_best(dict(cells, e=cell_stats([50.0])))
    assert best == 'e' and tied == set()
    # identical values are tied with each other, not with a lower point
    best, tied = tied_with_best({
        'x': cell_stats([5.0, 5.0]),
        'y': cell_stats([5.0, 5.0]),
        'z': cell_stats([4.0, 4.0])
    })
    assert tied == {'x', 'y'}
    assert tied_with_best({}) == (None, set())
