"""The a-posteriori certificate: never proves a wrong count, proves the right one on generic networks, and its
rounding bounds contain the exact (rational) values."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

from relu1d import count_regions, sample_network
from relu1d.engine import proof as certify
from relu1d.engine.count import prove_count
from relu1d.engine.oracles.exact import count_regions_exact
from relu1d.engine.proof import certify_count
from tests.networks import ADVERSARIAL, random_small


def _exact_fingerprint(net) -> tuple:
    ex = count_regions_exact(net)
    return len(ex.knots), len(ex.breakpoints), tuple(ex.knots_per_layer)


def _candidate(knots, is_breakpoint, knots_per_layer, knot_index=None, knot_neurons=None) -> SimpleNamespace:
    """A hand-made candidate count; without gate changes, one per knot in layer 1, neuron 0 (wrong)."""
    knots = np.asarray(knots, dtype=np.float64)
    if knot_index is None:
        knot_index, knot_neurons = (np.arange(knots.shape[0]),), (np.zeros(knots.shape[0], dtype=np.int64),)
    return SimpleNamespace(knots=knots, is_breakpoint=np.asarray(is_breakpoint),
                           knots_per_layer=np.asarray(knots_per_layer), knot_index=knot_index,
                           knot_neurons=knot_neurons)  # fmt: skip


def _moved_changes(result, old_of_new: np.ndarray) -> tuple[tuple, tuple]:
    """``result``'s gate changes carried to a mutated knot list: new knot j is old knot old_of_new[j] (−1: new)."""
    new_of_old = np.full(result.knots.shape[0], -1)
    kept = old_of_new >= 0
    new_of_old[old_of_new[kept]] = np.nonzero(kept)[0]
    index, neurons = [], []
    for idx, nrn in zip(result.knot_index, result.knot_neurons, strict=True):
        keep = new_of_old[idx] >= 0
        index.append(new_of_old[idx][keep])
        neurons.append(nrn[keep])
    return tuple(index), tuple(neurons)


@pytest.mark.parametrize("family", ["random", *sorted(ADVERSARIAL)])
def test_a_certificate_is_never_wrong(family):
    """Whatever the network (random or degenerate), a proven count equals the rational one."""
    make = random_small if family == "random" else ADVERSARIAL[family]
    for seed in range(60):
        net = make(seed)
        result = count_regions(net, exact_fallback=False, prove=False)
        cert = certify_count(net, result)
        if cert.certified:
            assert (result.knots.shape[0], cert.breakpoints, cert.knots_per_layer) == _exact_fingerprint(net)
        elif family == "random":  # generic networks are proven, unless σ_b = 0 puts every knot at one point
            assert not any(np.any(b) for b in net.biases[:-1]), (seed, cert)


def test_generic_networks_are_proven_by_both_passes():
    for seed in range(40):
        net = sample_network([8, 8, 8], 1.0, seed)
        result = count_regions(net, exact_fallback=False, prove=False)
        candidate = certify._candidate(result)
        for forward in (certify._first_order_forward, certify._refined_forward):
            cert, _ = certify._certify(net, result.knots, candidate, forward)
            assert cert.certified, (seed, forward.__name__, cert)


def _first_and_open(net):
    result = count_regions(net, exact_fallback=False, prove=False)
    candidate = certify._candidate(result)
    cert, done = certify._certify(net, result.knots, candidate, certify._first_order_forward)
    return result, candidate, cert, done, done.open_segments()


def test_refining_the_open_segments_equals_refining_every_segment(monkeypatch):
    """The refined recheck of the open segments alone gives the certificate of a full pass with those segments
    refined: on a 512 × 8 network that needs it (4 open decisions at first order, proven), and on every small network
    with an open decision; also when it refines them in blocks of two segments (a knot's two segments in different
    blocks)."""
    nets = [sample_network([512] * 8, 1.0, 11)]
    nets += [make(seed) for make in (random_small, *ADVERSARIAL.values()) for seed in range(0, 60, 3)]
    rechecked = proven = 0
    for net in nets:
        result, candidate, cert, _, opened = _first_and_open(net)
        if not (cert.safe_range and cert.sign_failures):
            continue
        full = certify._certify(net, result.knots, candidate, certify._partly_refined(opened.rows), method="refined")[0]
        for block_rows in (2, certify.REFINE_BLOCK_ROWS):
            with monkeypatch.context() as patch:
                patch.setattr(certify, "REFINE_BLOCK_ROWS", block_rows)
                assert certify.refine_open_segments(net, result.knots, cert, opened) == full
        if any(np.any(b) for b in net.biases[:-1]):  # (σ_b = 0 has its own proof: test_zero_biases_are_proven...)
            assert certify_count(net, result) == full
        rechecked += 1
        proven += full.certified
    assert rechecked >= 30 and proven >= 1, (rechecked, proven)
    big = certify_count(nets[0], count_regions(nets[0]))
    assert big.certified and big.method == "refined"
    # the door proves it as its graph first; the segments that proof leaves open go through the same refined pass
    routed = prove_count(nets[0], count_regions(nets[0], prove=False))
    assert routed.certified and routed.method == "refined" and routed.knots_per_layer == big.knots_per_layer
    # a refined gate that differs from the first pass's: the recheck declines (the caller redoes every segment)
    result, _, cert, _, opened = _first_and_open(nets[0])
    opened.gates[0][0, 0] = ~opened.gates[0][0, 0]
    assert certify.refine_open_segments(nets[0], result.knots, cert, opened) is None


@pytest.mark.parametrize("mutation", ["drop", "insert", "shift", "flag", "layer", "neuron"])
def test_a_wrong_candidate_is_not_proven(mutation):
    rejected = 0
    for seed in range(20):
        net = sample_network([6, 6], 1.0, seed)
        result = count_regions(net)
        t, bp, layers = result.knots.copy(), result.is_breakpoint.copy(), result.knots_per_layer.copy()
        if t.shape[0] < 4:
            continue
        assert certify_count(net, _candidate(t, bp, layers, result.knot_index, result.knot_neurons)).certified
        k = t.shape[0] // 2
        old_of_new = np.arange(t.shape[0])
        neurons = result.knot_neurons
        if mutation == "drop":
            t, bp, old_of_new = np.delete(t, k), np.delete(bp, k), np.delete(old_of_new, k)
        elif mutation == "insert":
            t, bp = np.insert(t, k, 0.5 * (t[k - 1] + t[k])), np.insert(bp, k, True)
            old_of_new = np.insert(old_of_new, k, -1)
        elif mutation == "neuron":  # the right knots and counts, another neuron's gate change at one knot
            neurons = tuple(
                np.where(idx == k, (nrn + 1) % 6, nrn) for idx, nrn in zip(result.knot_index, neurons, strict=True)
            )
        elif mutation == "shift":  # outside its bracket, toward the neighbour
            t[k] += 0.6 * (t[k + 1] - t[k])
        elif mutation == "flag":
            bp[k] = ~bp[k]
        else:
            layers = (
                layers
                + np.eye(layers.shape[0], dtype=layers.dtype)[0]
                - np.eye(layers.shape[0], dtype=layers.dtype)[-1]
            )
        index, _ = _moved_changes(result, old_of_new)
        _, neurons = _moved_changes(replace(result, knot_neurons=neurons), old_of_new)
        cert = certify_count(net, _candidate(t, bp, layers, index, neurons))
        assert not cert.certified, (seed, mutation)
        rejected += 1
    assert rejected >= 10


def _exact_forms(net, mid: float, gates: list[np.ndarray]) -> list[tuple[list[Fraction], list[Fraction]]]:
    """Rational value and slope of every pre-activation's affine form under fixed gates, at t = mid."""
    value, slope = [Fraction(mid)], [Fraction(1)]
    out = []
    for ell, (w, b) in enumerate(zip(net.weights[:-1], net.biases[:-1], strict=True)):
        z = [
            sum((Fraction(x) * v for x, v in zip(row, value, strict=True)), Fraction(bi))
            for row, bi in zip(w, b, strict=True)
        ]
        s = [sum((Fraction(x) * v for x, v in zip(row, slope, strict=True)), Fraction(0)) for row in w]
        out.append((z, s))
        value = [zi if g else Fraction(0) for zi, g in zip(z, gates[ell], strict=True)]
        slope = [si if g else Fraction(0) for si, g in zip(s, gates[ell], strict=True)]
    return out


@pytest.mark.parametrize("forward", ["_first_order_forward", "_refined_forward"])
def test_bounds_contain_the_exact_forms(forward):
    """|exact − computed| ≤ bound for every value and slope, both passes, at a few segments of a deep network."""
    net = sample_network([12] * 6, 1.0, 3)
    result = count_regions(net)
    mid = certify.bracket_points(result.knots).mid
    rows = np.array([0, mid.shape[0] // 3, mid.shape[0] // 2, mid.shape[0] - 1])
    forms = list(getattr(certify, forward)(net, mid[rows]))
    for r, m in enumerate(mid[rows]):
        gates = [f.z[r] > 0 for f in forms]
        for f, (z, s) in zip(forms, _exact_forms(net, float(m), gates), strict=True):
            for i in range(len(z)):
                assert abs(Fraction(f.z[r, i]) - z[i]) <= Fraction(f.e_z[r, i])
                assert abs(Fraction(f.s[r, i]) - s[i]) <= Fraction(f.e_s[r, i])


def test_refined_bounds_are_second_order():
    net = sample_network([64] * 8, 1.0, 0)
    mid = certify.bracket_points(count_regions(net).knots).mid
    rough, fine = list(certify._first_order_forward(net, mid))[-1], list(certify._refined_forward(net, mid))[-1]
    # refined: within a few units of the last place of the value itself; first order: amplified layer by layer
    assert np.median(fine.e_z / np.abs(fine.z)) < 4 * 2.0**-53 < 1e-5 * np.median(rough.e_z / np.abs(rough.z))


@pytest.mark.parametrize("scale", [1.0, 1e-100, 1e100])
def test_residual_of_a_product_is_accurate(scale):
    rng = np.random.default_rng(4)
    a, w, b = rng.standard_normal((3, 40)) * scale, rng.standard_normal((5, 40)), rng.standard_normal(5) * scale
    a[0, :6] *= 1e-12  # a row with a wide dynamic range
    a[1] = 0.0  # a zero row: its residual is exactly 0 with bound 0
    target = a @ w.T + b
    r, bound = certify._residual(a, w, np.broadcast_to(b, target.shape), target)
    for i in range(3):
        for j in range(5):
            exact = sum((Fraction(x) * Fraction(y) for x, y in zip(a[i], w[j], strict=True)), Fraction(b[j]))
            assert abs(Fraction(r[i, j]) - (exact - Fraction(target[i, j]))) <= Fraction(bound[i, j])
    assert np.all(bound[1] == 0) and np.all(r[1] == 0)
    assert np.all(bound <= 1e-18 * np.abs(a) @ np.abs(w).T + 1e-300)


def test_error_free_transformations():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(200) * 10.0 ** rng.integers(-30, 30, 200), rng.standard_normal(200)
    total, err = certify._two_sum(a, b)
    product = a * b
    perr = certify._two_product_error(a, b, product)
    for x, y, s, e, p, pe in zip(a, b, total, err, product, perr, strict=True):
        assert Fraction(s) + Fraction(e) == Fraction(x) + Fraction(y)
        assert Fraction(p) + Fraction(pe) == Fraction(x) * Fraction(y)


def test_rejects_a_network_with_inputs():
    net = sample_network([4], 1.0, 0, n_in=3)
    with pytest.raises(ValueError, match="3 inputs"):
        certify_count(net, _candidate([], [], [0]))


def test_zero_biases_are_proven_at_one_knot():
    """σ_b = 0 (every gate change at 0, many at once) has its own proof, from the forward pass at ±1: it proves
    every such network of the adversarial family, equal to the rational count, and rejects wrong candidates."""
    for seed in range(40):
        net = ADVERSARIAL["zero_bias"](seed)
        result = count_regions(net, exact_fallback=False, prove=False)
        cert = certify_count(net, result)
        assert cert.certified and cert.method == "homogeneous", (seed, cert)
        assert (result.knots.shape[0], cert.breakpoints, cert.knots_per_layer) == _exact_fingerprint(net)
        if result.knots.shape[0]:
            flag = replace(result, is_breakpoint=~result.is_breakpoint)
            layers = tuple(n + 1 if n.size else n for n in result.knot_neurons)  # other neurons change
            assert not certify_count(net, flag).certified
            assert not certify_count(net, replace(result, knot_neurons=layers)).certified
            assert not certify_count(net, replace(result, knots=np.array([1e-9]))).certified
        else:
            assert not certify_count(net, replace(result, knots=np.zeros(1), is_breakpoint=np.ones(1, bool))).certified


def test_prove_count_falls_back_to_the_rational_recount():
    """Knots that coincide without σ_b = 0 (duplicated neurons) cannot be bracketed one by one; the recount
    proves them."""
    methods = set()
    for seed in range(20):
        net = ADVERSARIAL["duplicated_neurons"](seed)
        result = count_regions(net, exact_fallback=False, prove=False)
        cert = prove_count(net, result)
        assert cert.certified and cert.uncertified_decisions == 0
        if not certify_count(net, result).certified:
            assert cert.method == "rational"
        methods.add(cert.method)
    assert "rational" in methods
    rational = count_regions(ADVERSARIAL["duplicated_neurons"](0))
    if rational.method == "rational":
        assert prove_count(ADVERSARIAL["duplicated_neurons"](0), rational).method == "rational"
    wrong = count_regions(ADVERSARIAL["zero_bias"](1), exact_fallback=False, prove=False)
    mutated = _candidate(wrong.knots, wrong.is_breakpoint, wrong.knots_per_layer + 1)
    mutated.breakpoints_per_layer, mutated.method = wrong.breakpoints_per_layer, wrong.method
    assert not prove_count(ADVERSARIAL["zero_bias"](1), mutated).certified


def test_refined_jump_values_contain_the_exact_derivative():
    """The refined backward pass (for the few knots whose first-order jump check stays open) bounds g = ∂f/∂h_ℓ* at
    each knot's flipping neuron, computed in rationals under the same gates, within a few ulps of g itself."""
    net = sample_network([12] * 6, 1.0, 3)
    result = count_regions(net)
    _, done = certify._certify(net, result.knots, certify._candidate(result), certify._first_order_forward)
    knots = np.nonzero(done.flip_layer >= 0)[0]
    value, bound = certify._refined_jump_values(net, done.masks, done.flip_layer[knots], done.flip_neuron[knots], knots)
    w_out = [Fraction(x) for x in net.weights[-1][0]]
    for k, v, e in zip(knots, value, bound, strict=True):
        g = w_out  # backward in rationals under the knot's left-segment gates
        for ell in range(len(done.masks) - 1, done.flip_layer[k], -1):
            on = [g[i] if done.masks[ell][k, i] else Fraction(0) for i in range(len(g))]
            w = net.weights[ell]
            g = [sum((on[i] * Fraction(w[i, j]) for i in range(len(on))), Fraction(0)) for j in range(w.shape[1])]
        exact = g[done.flip_neuron[k]]
        assert abs(Fraction(v) - exact) <= Fraction(e)
        assert e <= 8 * 2.0**-53 * abs(v) or exact == 0


def test_spectral_norm_bound_is_above_the_largest_singular_value_and_close_to_it():
    rng = np.random.default_rng(5)
    shapes = [(1, 1), (1, 9), (9, 1), (16, 16), (40, 300), (300, 40), (257, 257)]
    for shape in shapes:
        for scale in (1.0, 1e-150, 1e150):
            w = rng.standard_normal(shape) * scale
            sigma = np.linalg.svd(w, compute_uv=False)[0]
            assert sigma <= certify.spectral_norm_bound(w) <= 1.03 * sigma, (shape, scale)
    # rank one, a zero matrix, a wide dynamic range, and an exact multiple of the identity
    assert certify.spectral_norm_bound(np.ones((50, 50))) >= 50.0
    assert certify.spectral_norm_bound(np.zeros((3, 4))) == 0.0
    assert certify.spectral_norm_bound(np.diag([1e-200, 1.0])) >= 1.0
    assert 3.0 <= certify.spectral_norm_bound(3.0 * np.eye(64)) <= 3.0 * 1.03
    # a power iteration from a structured start would stall here (Ĝv = 0): the bound stays within 3%
    w = np.array([[1.0, 2, 0, 0], [0, 0, 1, 1], [-1, -2, 0, 0], [0, 0, -1, -1]])
    assert np.sqrt(10.0) <= certify.spectral_norm_bound(w) <= 1.03 * np.sqrt(10.0)
