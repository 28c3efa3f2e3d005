"""Arora et al. zig-zag compositions: exact counts (p+1)^k on [0, M] and over ℝ."""

import pytest

from relu1d import count_regions
from relu1d.constructions import (
    zigzag_interval,
    zigzag_pieces_on_interval,
    zigzag_pieces_on_line,
    zigzag_power,
)
from relu1d.exact import count_regions_exact


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("k", range(1, 7))
def test_zigzag_power_counts(p, k):
    net = zigzag_power(p, k)
    a, b = zigzag_interval(p)
    result = count_regions(net)
    assert result.restrict(a, b).linear_regions == zigzag_pieces_on_interval(p, k)
    assert result.linear_regions == zigzag_pieces_on_line(p, k)
    # every piece boundary is a knot; a composition has no knots that are not breakpoints inside [0, M]
    assert result.knots.min() == 0.0


@pytest.mark.parametrize(("p", "k"), [(1, 4), (2, 4), (3, 3)])
def test_zigzag_counts_match_rational(p, k):
    net = zigzag_power(p, k)
    exact = count_regions_exact(net)
    a, b = zigzag_interval(p)
    assert exact.linear_regions == zigzag_pieces_on_line(p, k)
    assert exact.restrict(a, b).linear_regions == zigzag_pieces_on_interval(p, k)
    assert count_regions(net, exact_fallback=False).linear_regions == exact.linear_regions


def test_zigzag_rejects_bad_parameters():
    with pytest.raises(ValueError, match="p must be"):
        zigzag_power(0, 2)
    with pytest.raises(ValueError, match="k must be"):
        zigzag_power(2, 0)
