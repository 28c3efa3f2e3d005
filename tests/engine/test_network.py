"""Network model: validation, He sampling, file I/O."""

import numpy as np
import pytest

from relu1d import Network, load_network, network_from_arrays, sample_network


def test_sampling_is_deterministic_and_he_scaled():
    a = sample_network([256, 256], 0.5, seed=(3, 4))
    b = sample_network([256, 256], 0.5, seed=(3, 4))
    for x, y in zip(a.weights + a.biases, b.weights + b.biases, strict=False):
        assert x.tobytes() == y.tobytes()
    assert a.widths == (256, 256) and a.n_in == 1 and a.depth == 2 and a.n_neurons == 512
    # Var W¹ = 2, Var W² = 2/256, Var b = σ_b²: 65 536 draws give the variance to ~1%
    assert abs(np.var(a.weights[1]) * 256 / 2 - 1) < 0.03
    assert abs(np.var(a.weights[0]) / 2 - 1) < 0.25
    assert abs(np.std(np.concatenate(a.biases[:2])) / 0.5 - 1) < 0.1
    assert not np.array_equal(a.weights[0], sample_network([256, 256], 0.5, seed=(3, 5)).weights[0])


def test_zero_sigma_gives_positive_zero_biases():
    net = sample_network([8], 0.0, seed=1)
    assert all(np.all(b == 0) and not np.any(np.signbit(b)) for b in net.biases)


def test_save_load_roundtrip(tmp_path):
    net = sample_network([3, 5], 1.0, seed=9, n_in=2)
    path = tmp_path / "net.npz"
    net.save(path)
    back = load_network(path)
    assert back.widths == net.widths and back.n_in == 2
    for x, y in zip(net.arrays().values(), back.arrays().values(), strict=False):
        assert x.tobytes() == y.tobytes()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_forward_pass_matches_manual():
    net = Network([np.array([[1.0], [-1.0]]), np.array([[2.0, 3.0]])], [np.array([0.0, 1.0]), np.array([0.5])])
    x = np.array([-2.0, 0.0, 3.0])
    expect = 2 * np.maximum(x, 0) + 3 * np.maximum(1 - x, 0) + 0.5
    np.testing.assert_array_equal(net(x), expect)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"W1": np.ones((2, 1)), "b1": np.zeros(2)}, "at least one hidden layer"),
        (
            {"W1": np.ones((2, 1)), "b1": np.zeros(2), "W2": np.ones((1, 3)), "b2": np.zeros(1)},
            "layer 2.*3 columns",
        ),
        (
            {"W1": np.ones((2, 1)), "b1": np.zeros(3), "W2": np.ones((1, 2)), "b2": np.zeros(1)},
            "layer 1.*3 entries",
        ),
        (
            {"W1": np.ones((2, 1)), "b1": np.zeros(2), "W2": np.ones((2, 2)), "b2": np.zeros(2)},
            "output layer",
        ),
        (
            {"W1": np.array([[np.nan], [1]]), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.zeros(1)},
            "W1.*NaN",
        ),
        (
            {"W1": np.ones((2, 1)), "b1": np.array([0, np.inf]), "W2": np.ones((1, 2)), "b2": np.zeros(1)},
            "b1.*infinite",
        ),
        ({"W1": np.ones((2, 1)), "b1": np.zeros(2), "W2": np.ones((1, 2))}, "missing array b2"),
        (
            {"W1": np.ones((2, 1)), "b1": np.zeros(2), "W3": np.ones((1, 2)), "b3": np.zeros(1)},
            "missing array W2",
        ),
        ({"W1": np.ones(2), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.zeros(1)}, "2-D"),
        (
            {"W1": np.array([["a"], ["b"]]), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.zeros(1)},
            "real numbers",
        ),
        ({"X1": np.ones((2, 1))}, "unexpected array"),
    ],
)
def test_invalid_networks_are_rejected_with_named_problem(arrays, message):
    with pytest.raises(ValueError, match=message):
        network_from_arrays(arrays)


@pytest.mark.parametrize(
    ("widths", "sigma_b", "message"),
    [
        ([], 1.0, "at least one"),
        ([4, 0], 1.0, ">= 1"),
        ([4], -1.0, "sigma_b"),
        ([4], float("nan"), "sigma_b"),
    ],
)
def test_invalid_sampling_arguments(widths, sigma_b, message):
    with pytest.raises(ValueError, match=message):
        sample_network(widths, sigma_b, seed=0)


def test_load_rejects_non_npz(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    with pytest.raises(ValueError, match=r"not an \.npz archive"):
        load_network(bad)
    with pytest.raises(ValueError, match="no such file"):
        load_network(tmp_path / "missing.npz")


def test_architecture_names_round_trip_and_bad_names_are_named():
    from relu1d.engine.network import architecture_name, parse_architecture

    assert architecture_name((64, 64, 8)) == "64x64x8"
    assert parse_architecture("64x64x8") == [64, 64, 8]
    for bad in ("64x0", "x8", "16.5", ""):
        with pytest.raises(ValueError, match="architecture"):
            parse_architecture(bad)
