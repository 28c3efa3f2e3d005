"""The probe of each network of the study (claims H1/H2): a pure function of its seed, and its statistics."""

import numpy as np
import pytest

from relu1d import Network, count_regions
from relu1d.engine.lines import restrict_to_line
from relu1d.engine.oracles.exact import count_regions_exact
from relu1d.replication.counting import count_network_tables
from relu1d.replication.ensemble import Cell, parameter_sha256
from relu1d.replication.probes import probe_statistics, sample_probe


def test_probe_is_a_pure_function_of_the_seed_and_independent_of_the_network_stream():
    entropy = [2512080916, 1234, 7]
    a, a_prime = sample_probe(64, entropy)
    b, b_prime = sample_probe(64, entropy)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a_prime, b_prime)
    # the network's own stream (SeedSequence(entropy) without spawn key) draws different numbers
    network_stream = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy))).standard_normal(64)
    assert not np.any(np.isin(a, network_stream))
    c, _ = sample_probe(64, [2512080916, 1234, 8])
    assert not np.array_equal(a, c)


def test_probe_statistics_on_a_known_function():
    # f(x) = ReLU(x) − ReLU(x − 1): breakpoints at 0 and 1, affine elsewhere
    net = Network([np.array([[1.0], [1.0]]), np.array([[1.0, -1.0]])], [np.array([0.0, -1.0]), np.array([0.0])])
    result = count_regions(net)
    assert probe_statistics(result, 0.5, 2.0) == (2, 0.5)
    assert probe_statistics(result, 2.0, -3.0) == (3, 1.0)  # the segment's orientation does not matter
    assert probe_statistics(result, 1.5, 1.5) == (1, 0.5)
    affine = Network([np.array([[0.0]]), np.array([[1.0]])], [np.array([5.0]), np.array([0.0])])  # f ≡ 5
    regions, distance = probe_statistics(count_regions(affine), -1.0, 1.0)
    assert regions == 1 and distance == np.inf


@pytest.mark.parametrize("index", range(6))
def test_probe_columns_of_a_line_cell_match_the_rational_count(index):
    cell = Cell("lines", (5, 3), 1.0, 6, 11, n_in=4)
    net = cell.network(index)
    row, knots = count_network_tables(cell, index, parameter_sha256(net))
    a, a_prime = sample_probe(4, cell.seed_entropy(index))
    length = float(np.linalg.norm(a_prime - a))
    direction = (a_prime - a) / length
    exact = count_regions_exact(net, a, direction)
    breakpoints = np.array([float(t) for t in exact.breakpoints])
    assert row["linear_regions"] == exact.linear_regions
    assert row["probe_length"] == length
    assert row["probe_regions"] == 1 + np.count_nonzero((breakpoints > 0) & (breakpoints < length))
    expected = np.min(np.abs(breakpoints)) if breakpoints.size else np.inf
    assert row["probe_distance"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # knot positions are values of the line parameter t
    assert np.all(np.isin(knots["position"], count_regions(restrict_to_line(net, a, direction)).knots))


def test_predicted_distance_is_half_the_mean_spacing_where_the_intensity_is_flat():
    from relu1d.replication.probes import expected_breakpoints, predicted_probe_statistics

    # one wide layer, start at the centre of a wide Cauchy law: nearly constant intensity λ, so E[d] ≈ 1/(2λ)
    widths, sigma_b = [4096], 100.0
    density, distance = predicted_probe_statistics(widths, sigma_b, 1, np.array([0.0]), np.array([1.0]))
    assert distance == pytest.approx(1 / (2 * density), rel=1e-3)
    total = float(expected_breakpoints(widths, sigma_b, 1, 0.0, np.array(-np.inf), np.array(np.inf)))
    assert total == pytest.approx(4096.0)  # every knot of the only layer is a breakpoint over ℝ
