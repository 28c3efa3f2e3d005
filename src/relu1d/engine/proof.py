"""A-posteriori certification of a float64 count: a rigorous rounding bound on every decision it rests on.

The engine (``relu1d.engine.propagation``) decides signs and coincidences against a tolerance; its
``certified`` flag means "no decision was close to its tolerance" — a margin heuristic, not a proof. This
module proves a candidate answer (the knots t̃₀ < … < t̃_{B−1} of a ``RegionCount``) correct, or says which
decisions it cannot prove, with nothing but float64 arithmetic and the standard forward error bound of a dot
product (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., Thm 3.5 / eq. 3.5):

    |fl(xᵀy) − xᵀy| ≤ γ_n |x|ᵀ|y|,   γ_n = n·u / (1 − n·u),   u = 2⁻⁵³,

which holds for any summation order (blocked BLAS and fused multiply-adds included). The method
(docs/mathematics.md §2.3):

1. Around each candidate knot t̃_j put a bracket [q_j, p_j] (a quarter of the distance to the nearer
   neighbour on each side), so brackets are disjoint. Segment k (k = 0 … B) lies between knot k−1 and knot k;
   its pattern P_k (which gates are on, in every layer) is read off a forward pass at one point m_k inside it.
2. Under a *fixed* pattern every pre-activation is an affine function of t. The forward pass computes, for
   every segment and neuron, the value z̃(m_k) and slope s̃ of that affine function together with rigorous
   bounds e_z, e_s on their errors, and per segment a bound n ≥ ‖z − z̃‖₂ of the whole layer's error: with h the
   masked output of the previous layer, e_z,i = ‖W_i‖(n_h + γ_{n+1}‖h̃‖) + γ_{n+1}|b_i| (Cauchy–Schwarz on the
   carried error and on the rounding γ_{n+1}(|W||h̃| + |b|)), n_z = σ̄·n_h + γ_{n+1}(‖W‖_F‖h̃‖ + ‖b‖) with σ̄ ≥ ‖W‖₂
   proven by ``spectral_norm_bound``, and n_h = min(n_z, ‖D∘e_z‖); slopes alike (``WeightNorms``). No product
   with |W|: the bound grows by ‖W‖₂ per layer, not by |W|'s ~0.56√n.
3. Checks (each is one decision; a decision is certified when its margin exceeds its bound):
   * *sign checks*: at both ends of the stretch [p_{k−1}, q_k] of segment k, every neuron's affine form has
     the strict sign its gate in P_k says (off may also be an exact, structural zero: bound 0). The form is
     then of constant sign there, so P_k is the network's true pattern on the stretch: no knot in it.
     On the two unbounded tails the slope must point away from zero (or be an exact zero).
   * *knot checks*: P_k and P_{k+1} differ in exactly one gate (ℓ*, i*). The form of segment k, extrapolated
     to the far end p_k of the bracket, keeps every gate's sign except i*'s, which has the opposite sign
     (and symmetrically for segment k+1 at q_k). Then inside the bracket exactly one gate changes, once,
     at the root of the affine z_{ℓ*, i*} (layers below ℓ* are fixed; every later neuron is affine on each
     side of the root with the same sign at both ends of the bracket).
   * *jump checks*: f′ jumps at the knot by ±s_{i*}·g_{i*}, with g = ∂f/∂h_{ℓ*} under the (common) downstream
     pattern, computed by a backward pass with its own bound. |g̃| > e_g certifies a breakpoint; g̃ = e_g = 0
     (no path of nonzero weights through open gates) certifies a knot without one.
   If every check passes, the network has exactly these knots (one in each bracket, of the named neuron) and
   these breakpoints: the activation and linear region counts and the per-layer knot counts are proven.

The bounds assume no underflow: every nonzero operand is checked to lie in [2⁻⁴⁰⁰, 2⁴⁰⁰] (a product of two
such numbers and γ is a normal float), else the network is reported as not certifiable. The input network
is taken as given (a network restricted to a line is certified as the 1-D network that was counted).
Cost: about four float64 products of (B+1) × n by n × n per layer (forward values and slopes, the backward pass
and its bound) and one n × n Gram product and Cholesky factorisation, against the engine's one of growing height.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from relu1d.engine.kernels import proof as proof_kernels
from relu1d.engine.network import Network
from relu1d.engine.result import RegionCount
from relu1d.engine.scaling import normalised_network

UNIT_ROUNDOFF = 2.0**-53
#: Operands outside [2⁻⁴⁰⁰, 2⁴⁰⁰] (nonzero) could make a bound underflow or overflow: not certifiable.
SAFE_MIN, SAFE_MAX = 2.0**-400, 2.0**400


def gamma(n: int) -> float:
    """γ_n = n·u/(1 − n·u) (Higham, §3.1), rounded up by a relative 1e-12 (it is itself a float expression)."""
    return n * UNIT_ROUNDOFF / (1.0 - n * UNIT_ROUNDOFF) * (1.0 + 1e-12)


def spectral_norm_bound(w: np.ndarray) -> float:
    """σ̄ ≥ ‖W‖₂, the largest singular value of a float64 matrix, rigorously (docs/mathematics.md §2.3).

    With A the matrix or its transpose, whichever has fewer rows (m of them, k columns): Ĝ = fl(AAᵀ) has
    |Ĝ − AAᵀ| ≤ γ_k|A||A|ᵀ (Higham, Thm 3.5), so ‖Ĝ − AAᵀ‖₂ ≤ γ_k‖A‖_F². For an α near the top eigenvalue (a power
    iteration from a seeded random vector, raised until the factorisation runs), the floating-point Cholesky
    factorisation of Ĥ = fl(αI − Ĝ), whenever it runs to completion, gives a factor R̂ with R̂ᵀR̂ = Ĥ + ΔH,
    |ΔH| ≤ γ_{m+1}|R̂ᵀ||R̂| — no definiteness assumed, only that every r_ij is an inner product in any order and one
    division or a multiplication by a computed reciprocal, as in reference LAPACK and OpenBLAS (Higham, Thm 10.3 and
    its proof; Demmel 1989; Rump, BIT 46, 2006; γ_{m+1} is doubled for the reciprocal's rounding): Ĥ + ΔH is positive
    semidefinite, so λ_min(Ĥ) ≥ −γ_{m+1}‖R̂‖_F², and the diagonal's rounding moves it by at most u·max|Ĥ_ii|. By
    Weyl's inequality
    ‖W‖₂² ≤ α + γ_{m+1}‖R̂‖_F² + u·max|Ĥ_ii| + γ_k‖A‖_F² (γ_{m+1} doubled, every sum inflated for its own rounding).
    W is first scaled exactly by a power of two to a largest entry in [1, 2); underflow is kept out by an entry range
    of at most 2²⁰⁰ (else the bound is ‖W‖_F, whose squares stay normal), and an absolute 2⁻⁹⁰⁰ covers any subnormal
    rounding left in the factorisation. Costs one product AAᵀ and one Cholesky factorisation of m × m."""
    a = np.asarray(w, dtype=np.float64)
    a = a if a.shape[0] <= a.shape[1] else a.T
    magnitude = np.abs(a[a != 0])
    if magnitude.size == 0:
        return 0.0
    power = int(np.frexp(magnitude.max())[1]) - 1
    a = np.ldexp(a, -power)  # exact: largest |entry| in [1, 2)
    frob = float(np.einsum("ij,ij->", a, a)) * (1.0 + gamma(a.size + 2))
    if magnitude.min() < np.ldexp(magnitude.max(), -200):
        return float(np.ldexp(np.sqrt(frob) * (1.0 + gamma(2)), power))
    bound = _gram_bound(a, frob)
    return float(np.ldexp(np.sqrt(bound * (1.0 + gamma(8))) * (1.0 + gamma(2)), power))


#: Up to this size the estimate of λ_max(Ĝ) is LAPACK's eigenvalues (cheaper than a power iteration's calls).
DIRECT_EIGENVALUES_UP_TO = 128


def _top_eigenvalue_estimate(g: np.ndarray) -> float:
    """An estimate (no bound) of the top eigenvalue of the symmetric matrix ``g``: LAPACK's for small matrices, else
    30 steps of a power iteration from a seeded random start (not orthogonal to the top eigenvector, as a structured
    start can be); 0 when Ĝv = 0 (the factorisation's tries then find α). numpy only (the base install)."""
    m = g.shape[0]
    if m <= DIRECT_EIGENVALUES_UP_TO:
        with np.errstate(all="ignore"):
            top = float(np.linalg.eigvalsh(g)[-1]) if np.all(np.isfinite(g)) else 0.0
        return top if np.isfinite(top) else 0.0
    v = np.random.default_rng(0).standard_normal(m)
    estimate = 0.0
    for _ in range(30):
        gv = g @ v
        length = float(np.sqrt(gv @ gv))
        if not length > 0.0:
            break
        estimate = length / float(np.sqrt(v @ v))
        v = gv / length
    return estimate


def _gram_bound(a: np.ndarray, frob: float) -> float:
    """λ̄ ≥ λ_max(AAᵀ) for A of m ≤ k rows scaled as ``spectral_norm_bound`` says, and frob ≥ ‖A‖_F² (its method).
    numpy's Cholesky reads the lower triangle of Ĝ: the symmetric matrix it defines is the Ĝ of the bound."""
    m, k = a.shape
    g = a @ a.T
    estimate = _top_eigenvalue_estimate(g)
    alpha = max(estimate * 1.02, frob / m)  # λ_max(Ĝ) is at least the mean eigenvalue tr(Ĝ)/m ≈ ‖A‖_F²/m
    for tries in range(40):
        if alpha >= frob:  # no better than ‖W‖₂ ≤ ‖W‖_F
            break
        h = -np.tril(g)
        h[np.diag_indices(m)] += alpha
        try:
            r = np.linalg.cholesky(h)  # lower: R̂ᵀ of the bound, from h's lower triangle
        except np.linalg.LinAlgError:
            r = None
        if r is None or not np.all(np.isfinite(np.diag(r))):
            alpha *= 1.03 if tries < 8 else 2.0
            continue
        r_frob = float(np.einsum("ij,ij->", r, r)) * (1.0 + gamma(r.size + 2))
        slack = 2.0 * gamma(m + 1) * r_frob + UNIT_ROUNDOFF * (alpha + float(np.max(np.diag(g)))) + gamma(k) * frob
        return (alpha + slack + 2.0**-900) * (1.0 + gamma(4))
    return frob


@dataclass(frozen=True)
class WeightNorms:
    """Upper bounds of a weight matrix W's norms: ``rows`` ‖W_i‖₂ per row, ``frobenius`` ‖W‖_F and ``spectral``
    ‖W‖₂ (``spectral_norm_bound``), and k = columns + 1, the roundings of one output of x·Wᵀ + c."""

    rows: np.ndarray
    frobenius: float
    spectral: float
    terms: int

    @classmethod
    def of(cls, w: np.ndarray) -> WeightNorms:
        """The norms of ``w`` (each rounded up)."""
        k = w.shape[1] + 1
        rows = np.sqrt(np.einsum("ij,ij->i", w, w)) * (1.0 + gamma(k + 4))
        frobenius = float(np.sqrt(np.einsum("ij,ij->", w, w))) * (1.0 + gamma(w.size + 4))
        return cls(rows, frobenius, spectral_norm_bound(w), k)

    def entry_bounds(self, n_x: np.ndarray, x_norm: np.ndarray, c: np.ndarray | None = None) -> np.ndarray:
        """Bounds of every entry of y = x·Wᵀ + c computed from x̃ (each row with its norm ``x_norm``) whose error has
        Euclidean norm ≤ ``n_x`` (both broadcast against the entries): by Cauchy–Schwarz on the propagated error and
        on the rounding γ_k(|W||x̃| + |c|) (Higham, Thm 3.5), e = (‖W_i‖(n_x + γ_k‖x̃‖) + γ_k|c_i|)(1 + 2γ_{k+3})."""
        g = gamma(self.terms)
        e = self.rows * (n_x + g * x_norm)
        if c is not None:
            e = e + g * np.abs(c)
        return e * (1.0 + 2.0 * gamma(self.terms + 3))

    def norm_bound(self, n_x: np.ndarray, x_norm: np.ndarray, c_norm: float = 0.0) -> np.ndarray:
        """A bound of the Euclidean norm of the whole error of y (per row): σ̄·n_x + γ_k(‖W‖_F‖x̃‖ + ‖c‖), since
        ‖W·err‖₂ ≤ ‖W‖₂‖err‖₂ and ‖|W||x̃|‖₂ ≤ ‖W‖_F‖x̃‖₂; inflated as ``entry_bounds``."""
        g = gamma(self.terms)
        return (self.spectral * n_x + g * (self.frobenius * x_norm + c_norm)) * (1.0 + 2.0 * gamma(self.terms + 3))


def row_norms(x: np.ndarray) -> np.ndarray:
    """Per row, an upper bound of the Euclidean norm of the rest of ``x``: fl(√Σx²) inflated for its rounding
    (relative γ_{m+4})."""
    flat = x.reshape(x.shape[0], -1)
    return np.sqrt(np.einsum("ij,ij->i", flat, flat)) * (1.0 + gamma(flat.shape[1] + 4))


@dataclass(frozen=True)
class Certificate:
    """What the a-posteriori check proved about one count (all counts over ℝ).

    ``sign_failures``, ``knot_failures``, ``jump_failures``: decisions whose margin did not exceed their
    rounding bound (or, for knots, brackets whose two patterns do not differ in exactly one gate, or do not
    fit between their neighbours). ``knots_per_layer`` and ``breakpoints`` are what the checks establish
    (the candidate's own values when a check failed); ``agrees`` says whether they, and the layer and neuron whose
    gate changes at each knot, equal the candidate's. ``decisions``: how many decisions were checked in all.
    """

    decisions: int
    sign_failures: int
    knot_failures: int
    jump_failures: int
    knots_per_layer: tuple[int, ...]
    breakpoints: int
    agrees: bool
    safe_range: bool = True
    method: str = "first-order"

    @property
    def uncertified_decisions(self) -> int:
        """Decisions the bound could not settle (0 for a proven count)."""
        return self.sign_failures + self.knot_failures + self.jump_failures

    @property
    def certified(self) -> bool:
        """True when the candidate's knots, per-layer knot counts and breakpoints are proven exact."""
        return self.safe_range and self.uncertified_decisions == 0 and self.agrees

    @property
    def open_decisions(self) -> int:
        """What keeps the count unproven: the decisions no bound settled, plus one if an operand left the safe range,
        plus one if what the checks established differs from the candidate (0 for a proven count)."""
        return self.uncertified_decisions + (not self.safe_range) + (not self.agrees)


def certify_count(net: Network, result: RegionCount, refine: bool = True) -> Certificate:
    """Prove (or fail to prove) that ``result`` — a count over ℝ of the 1-D network ``net`` — is exact.

    Method and bounds: this module's docstring (docs/mathematics.md §2.3). First with the first-order bounds;
    if some decision is left open and ``refine``, again with the refined forward pass (one step of iterative
    refinement: the float64 rounding of every layer is recovered with error-free products, so the bound is of
    second order), block by block (``REFINE_BLOCK_ROWS``); jump checks left open by the first-order backward pass
    are redone with a refined one (``_refined_jump_values``). numpy, float64; memory about twenty (B+1) × max n
    float64 arrays plus one boolean mask of that size per layer (6.0 GB resident at width 2048, depth 8).
    """
    if net.n_in != 1:
        raise ValueError(f"certify_count: the network has {net.n_in} inputs; certify the 1-D network that was counted")
    net = normalised_network(net)[0]  # the same knots and decisions at unit scale (relu1d.engine.scaling)
    if not any(np.any(b) for b in net.biases[:-1]):
        return _certify_homogeneous(net, result)
    knots = np.asarray(result.knots, dtype=np.float64)
    candidate = _candidate(result)
    cert, done = _certify(net, knots, candidate, _first_order_forward)
    if refine and cert.safe_range and cert.sign_failures:
        opened = done.open_segments()
        refined = refine_open_segments(net, knots, cert, opened)
        cert = refined or _certify(net, knots, candidate, _partly_refined(opened.rows), method="refined")[0]
    return cert


@dataclass(frozen=True)
class OpenSegments:
    """What a first-order proof of a network's count left open, for ``refine_open_segments``: ``rows`` (ascending
    segments: every segment with an open sign decision and its neighbours, which share its knots), ``gates`` per
    layer the gates the proof read on those rows ((rows, n) bools), per knot ``flip_layer`` and ``flip_neuron`` of its
    first gate change (−1: none) and the radius ``rho`` around t̃ that holds its root; ``other_failures``: open sign
    decisions that are not any row's (0 for a network)."""

    rows: np.ndarray
    gates: list[np.ndarray]
    flip_layer: np.ndarray
    flip_neuron: np.ndarray
    rho: np.ndarray
    other_failures: int = 0


@dataclass(frozen=True)
class _Pass:
    """What one pass of ``_certify`` established besides its certificate: every layer's gates (B+1, n), per knot
    the layer and neuron of its first gate change (−1: none) and the radius ρ around t̃ holding that root, and the
    segments with a sign decision left open."""

    masks: list[np.ndarray]
    flip_layer: np.ndarray
    flip_neuron: np.ndarray
    rho: np.ndarray
    open_rows: np.ndarray

    def open_segments(self) -> OpenSegments:
        """The segments with an open decision and their neighbours (which share its knots), and what refining them
        needs (``OpenSegments``)."""
        rows = np.nonzero(self.open_rows | np.roll(self.open_rows, 1) | np.roll(self.open_rows, -1))[0]
        return OpenSegments(rows, [m[rows] for m in self.masks], self.flip_layer, self.flip_neuron, self.rho)


def _certify(
    net: Network, knots: np.ndarray, candidate: tuple, forward: Callable, method: str = "first-order"
) -> tuple[Certificate, _Pass]:
    """All checks of the module docstring, with the forms of each layer from ``forward``; also what the pass
    established (``_Pass``)."""
    n_knots = int(knots.shape[0])
    points = bracket_points(knots)
    safe = in_safe_range(*net.weights, *net.biases, knots)
    knot_failures = int(np.count_nonzero(~points.fits))

    masks: list[np.ndarray] = []  # per layer: (B+1, n) gates of every segment
    differs = np.zeros(n_knots, dtype=np.int64)  # gates that differ between the two sides of each knot
    flip_layer = np.full(n_knots, -1, dtype=np.int64)
    flip_neuron = np.full(n_knots, -1, dtype=np.int64)
    rho = np.full(n_knots, np.inf)  # |t* − t̃_j| ≤ rho_j once knot j's gate change is found
    sign_failures = decisions = 0
    first = np.zeros(n_knots, dtype=bool)
    open_rows = np.zeros(n_knots + 1, dtype=bool)
    for ell, form in enumerate(forward(net, points.mid)):
        safe &= form.in_safe_range()
        gate = form.z > 0
        masks.append(gate)
        below = flip_layer >= 0  # knots whose gate change lies in an earlier layer
        if n_knots:
            change = gate[:-1] != gate[1:]
            count = np.count_nonzero(change, axis=1)
            first = (count > 0) & (differs == 0)
            flip_layer[first] = ell
            flip_neuron[first] = np.argmax(change[first], axis=1)
            differs += count
        failed, checked = sign_checks(form, gate, points, knots, flip_layer == ell, flip_neuron, below, rho)
        sign_failures += int(failed.sum())
        open_rows |= failed > 0
        decisions += checked
        here = np.nonzero(first)[0]
        rho[here] = root_radius(form, here, flip_neuron[here], knots[here])
    knot_failures += int(np.count_nonzero(differs != 1))
    decisions += 2 * n_knots

    jump_failures, is_breakpoint = _jump_checks(net, masks, form, flip_layer, flip_neuron, differs == 1)
    knots_per_layer = tuple(int(np.count_nonzero((flip_layer == ell) & (differs == 1))) for ell in range(len(masks)))
    agrees = (
        knots_per_layer == candidate[0]
        and bool(np.array_equal(is_breakpoint, candidate[1]))
        and bool(np.array_equal(flip_layer, candidate[2][0]) and np.array_equal(flip_neuron, candidate[2][1]))
    )
    cert = Certificate(
        decisions=decisions,
        sign_failures=sign_failures,
        knot_failures=knot_failures,
        jump_failures=jump_failures,
        knots_per_layer=knots_per_layer,
        breakpoints=int(np.count_nonzero(is_breakpoint)),
        agrees=agrees,
        safe_range=bool(safe),
        method=method,
    )
    return cert, _Pass(masks, flip_layer, flip_neuron, rho, open_rows)


#: Segments refined at a time by ``_recheck_refined``: the refined pass holds ~50 float64 per neuron per segment
#: (12 GB for 15,177 segments of a 2048 × 8 network, measured), so a block of 1024 holds ~0.8 GB at width 2048.
REFINE_BLOCK_ROWS = 1024


def refine_open_segments(
    net: Network, knots: np.ndarray, first: Certificate, opened: OpenSegments
) -> Certificate | None:
    """``first`` (a first-order proof of a count of ``net`` at unit scale with the knots ``knots``) with the sign checks
    of the segments ``opened.rows`` redone on their refined forms (``_refined_forward``, which computes each segment
    from its own point alone), or None when a refined gate differs from the gates the first proof read there.

    Every other decision stands as the first proof found it: the gates, hence which gate changes at each knot (the
    knot checks' patterns and every jump check), are the same, and a radius ρ from either pass bounds the same root
    (module docstring). So the certificate is the one a full refined pass over all segments would give, at the cost
    of those rows only; a changed gate means the patterns themselves moved, and the caller redoes every segment."""
    points = bracket_points(knots)
    rho = opened.rho.copy()
    rows = opened.rows
    safe, sign_failures = first.safe_range, opened.other_failures
    # Blocks of ascending segments, each through every layer: segment k reads the radius of knot k − 1, which an
    # earlier block has already refined, so the certificate is the one of all rows at once.
    for lo in range(0, rows.shape[0], REFINE_BLOCK_ROWS):
        block = rows[lo : lo + REFINE_BLOCK_ROWS]
        row_of = np.full(points.mid.shape[0], -1, dtype=np.int64)
        row_of[block] = np.arange(block.shape[0])
        for ell, form in enumerate(_refined_forward(net, points.mid[block])):
            safe &= form.in_safe_range()
            gate = form.z > 0
            if not np.array_equal(gate, opened.gates[ell][lo : lo + REFINE_BLOCK_ROWS]):
                return None
            below, here = (opened.flip_layer >= 0) & (opened.flip_layer < ell), opened.flip_layer == ell
            failed, _ = sign_checks(form, gate, points, knots, here, opened.flip_neuron, below, rho, row_of)
            sign_failures += int(failed.sum())
            here = np.nonzero(here & (row_of[:-1] >= 0))[0]  # knots of this layer whose left segment is redone
            rho[here] = root_radius(form, row_of[here], opened.flip_neuron[here], knots[here])
    return replace(first, sign_failures=sign_failures, safe_range=bool(safe), method="refined")


def _certify_homogeneous(net: Network, result: RegionCount) -> Certificate:
    """The proof for hidden biases that are all exactly zero (σ_b = 0), where every gate change happens at x = 0.

    Every pre-activation is then positively homogeneous, z(x) = |x|·z(sign x) (ReLU(cz) = c·ReLU(z) for c > 0, and
    no bias), so each gate is constant on each open half-line, with the sign of z at x = −1 or +1 (off where that
    z is an exact zero, hence ≡ 0 on the half-line). The forward pass at ±1 with first-order bounds (module
    docstring, step 2) decides every such sign; the only possible knot is 0, where the neurons whose two gates
    differ change, and f′ jumps there iff w_out·(D⁺s⁺ − D⁻s⁻) ≠ 0 (the slopes of the last hidden layer on the two
    sides), decided against its bound; without a gate change f is affine. Decisions the bounds leave open are
    failures (``prove_count`` then recounts in rational arithmetic)."""
    forms = list(_first_order_forward(net, np.array([-1.0, 1.0])))
    safe = in_safe_range(*net.weights, *net.biases) and all(f.in_safe_range() for f in forms)
    sign_failures = sum(int(np.count_nonzero(~(holds(f.z, f.e_z, np.where(f.z > 0, 1.0, -1.0))))) for f in forms)
    changes = [np.nonzero((f.z[0] > 0) != (f.z[1] > 0))[0] for f in forms]
    knots_per_layer = tuple(int(c.shape[0]) for c in changes)
    is_breakpoint = np.zeros(int(any(knots_per_layer)), dtype=bool)
    jump_failures = 0
    if is_breakpoint.size:
        w_out, last = net.weights[-1][0], forms[-1]
        on = last.z > 0
        sides = np.where(on, last.s, 0.0)  # D∘s̃ on (−∞, 0) and (0, ∞)
        slopes = sides @ w_out
        jump = slopes[1] - slopes[0]
        n = w_out.shape[0]
        bound = (np.where(on, last.e_s, 0.0) + gamma(n) * np.abs(sides)).sum(axis=0) @ np.abs(w_out)
        bound = (bound * (1.0 + 2.0 * gamma(n + 3)) + UNIT_ROUNDOFF * abs(jump)) * (1.0 + 2.0 * gamma(3))
        is_breakpoint[0] = abs(jump) > bound
        jump_failures = int(not is_breakpoint[0] and not (jump == 0 and bound == 0))
    flips = {(ell, int(i)) for ell, c in enumerate(changes) for i in c}
    listed = {(ell, int(i)) for ell, nrn in enumerate(result.knot_neurons) for i in nrn}
    agrees = (
        np.array_equal(np.asarray(result.knots), np.zeros(is_breakpoint.size))
        and knots_per_layer == tuple(int(c) for c in result.knots_per_layer)
        and bool(np.array_equal(is_breakpoint, np.asarray(result.is_breakpoint, dtype=bool)))
        and flips == listed
    )
    return Certificate(
        decisions=sum(f.z.size for f in forms) + is_breakpoint.size,
        sign_failures=sign_failures,
        knot_failures=0,
        jump_failures=jump_failures,
        knots_per_layer=knots_per_layer,
        breakpoints=int(np.count_nonzero(is_breakpoint)),
        agrees=bool(agrees),
        safe_range=bool(safe),
        method="homogeneous",
    )


def _candidate(result: RegionCount) -> tuple:
    """What a proof must establish of ``result``: its knots per layer, its breakpoint flags, and per knot the layer
    (0-based) and neuron of its one gate change (−1, −1 where it lists none; of a knot it lists twice one is kept,
    and the per-layer counts then disagree)."""
    n_knots = int(result.knots.shape[0])
    layer, neuron = np.full(n_knots, -1, dtype=np.int64), np.full(n_knots, -1, dtype=np.int64)
    for ell, (idx, nrn) in enumerate(zip(result.knot_index, result.knot_neurons, strict=True)):
        layer[idx], neuron[idx] = ell, nrn
    return tuple(int(c) for c in result.knots_per_layer), np.asarray(result.is_breakpoint, dtype=bool), (layer, neuron)


def _partly_refined(rows: np.ndarray) -> Callable:
    """A forward pass with first-order forms for every segment but ``rows``, refined forms for those (each
    segment's forms depend on its own row only)."""

    def forward(net: Network, mid: np.ndarray) -> Iterator[Forms]:
        for rough, fine in zip(_first_order_forward(net, mid), _refined_forward(net, mid[rows]), strict=True):
            arrays = [np.array(x, copy=True) for x in (rough.z, rough.s, rough.e_z, rough.e_s)]
            for x, y in zip(arrays, (fine.z, fine.s, fine.e_z, fine.e_s), strict=True):
                x[rows] = y
            yield Forms(*arrays, mid)

    return forward


def _first_order_forward(net: Network, mid: np.ndarray) -> Iterator[Forms]:
    """Each layer's forms with first-order bounds (module docstring, step 2), every entry's bound from the Euclidean
    norm of the previous layer's error, which is carried through ‖W‖₂ (``WeightNorms``)."""
    h = s_h = n_h = n_sh = None
    for ell, (w, b) in enumerate(zip(net.weights[:-1], net.biases[:-1], strict=True)):
        if ell == 0:  # z = w·m + b: two roundings; the slope w is exact
            z = mid[:, None] * w[:, 0] + b
            e_z = 2.0 * gamma(2) * (np.abs(mid)[:, None] * np.abs(w[:, 0]) + np.abs(b))
            s = np.broadcast_to(w[:, 0], z.shape)
            e_s = np.zeros_like(z)
            n_z, n_s = row_norms(e_z), np.zeros(z.shape[0])
        else:
            norms = WeightNorms.of(w)
            both = np.matmul(np.concatenate([h, s_h]), w.T)
            rows = h.shape[0]
            z, s = both[:rows] + b, both[rows:]
            h_norm, s_norm = row_norms(h), row_norms(s_h)
            e_z = norms.entry_bounds(n_h[:, None], h_norm[:, None], b)
            e_s = norms.entry_bounds(n_sh[:, None], s_norm[:, None])
            n_z = norms.norm_bound(n_h, h_norm, float(row_norms(b[None])[0]))
            n_s = norms.norm_bound(n_sh, s_norm)
        yield Forms(z, s, e_z, e_s, mid)
        gate = z > 0
        h, s_h = np.where(gate, z, 0.0), np.where(gate, s, 0.0)
        # ReLU under a fixed gate keeps or zeroes each error: ‖D∘err‖ ≤ min(the carried norm, ‖D∘e‖)
        n_h = np.minimum(n_z, row_norms(np.where(gate, e_z, 0.0)))
        n_sh = np.minimum(n_s, row_norms(np.where(gate, e_s, 0.0)))


def _refined_forward(net: Network, mid: np.ndarray) -> Iterator[Forms]:
    """Each layer's forms with second-order bounds: values z̃ + ĉ where ĉ is the float64 rounding of z̃
    recovered layer by layer (error-free products, ``_residual``), so that only the rounding *of ĉ* is
    bounded through |W| (docs/mathematics.md §2.3).

    Invariant per layer, for values and slopes alike: |exact − (x̃ + ĉ)| ≤ ε. Next layer, with D the gates
    and A = D∘x̃: x̃′ = fl(A·Wᵀ + b), ĉ′ = fl(r̃ + fl((D∘ĉ)·Wᵀ)) with r̃ ≈ A·Wᵀ + b − x̃′ (error ≤ ε_r), and
    ε′ = |W|·(D∘ε + γ_n|D∘ĉ|) + ε_r + u|ĉ′| (inflated for its own rounding)."""
    w1, b1 = net.weights[0][:, 0], net.biases[0]
    product = mid[:, None] * w1
    product_err = _two_product_error(np.broadcast_to(mid[:, None], product.shape), w1, product)
    z, sum_err = _two_sum(product, np.broadcast_to(b1, product.shape))
    c = product_err + sum_err
    eps = UNIT_ROUNDOFF * np.abs(c) * (1.0 + UNIT_ROUNDOFF)
    values = (z, c, eps)
    slopes = (np.broadcast_to(w1, z.shape), np.zeros_like(z), np.zeros_like(z))
    gate = np.zeros(z.shape, dtype=bool)
    for ell in range(len(net.weights) - 1):
        if ell:
            w, b = net.weights[ell], net.biases[ell]
            values, slopes = _refined_layer(w, b, values, slopes, gate)
        (z, c, eps), (s, cs, eps_s) = values, slopes
        (zf, z_err), (sf, s_err) = _two_sum(z, c), _two_sum(s, cs)
        gate = zf > 0
        yield Forms(
            zf, sf, (eps + np.abs(z_err)) * (1.0 + UNIT_ROUNDOFF), (eps_s + np.abs(s_err)) * (1.0 + UNIT_ROUNDOFF), mid
        )


def _refined_layer(w: np.ndarray, b: np.ndarray, values: tuple, slopes: tuple, gate: np.ndarray) -> tuple:
    """One layer of ``_refined_forward``, for the values and the slopes of every segment (stacked)."""
    rows = gate.shape[0]
    both = np.concatenate([gate, gate])
    x, c, eps = (np.where(both, np.concatenate([v, sl]), 0.0) for v, sl in zip(values, slopes, strict=True))
    bias = np.concatenate([np.broadcast_to(b, (rows, b.shape[0])), np.zeros((rows, b.shape[0]))])
    x_new, c_new, eps_new = _refined_product(x, c, eps, w, bias)
    return (x_new[:rows], c_new[:rows], eps_new[:rows]), (x_new[rows:], c_new[rows:], eps_new[rows:])


def _refined_product(
    x: np.ndarray, c: np.ndarray, eps: np.ndarray, w: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x̃′, ĉ′, ε′) for x·Wᵀ + bias from x̃ + ĉ with |exact − (x̃ + ĉ)| ≤ ε (gates already applied):
    x̃′ = fl(x̃·Wᵀ + bias), ĉ′ = fl(r̃ + fl(ĉ·Wᵀ)) with r̃ ≈ x̃·Wᵀ + bias − x̃′ (``_residual``, error ≤ ε_r), and
    ε′ = |W|·(ε + γ_n|ĉ|) + ε_r + u|ĉ′|, inflated for its own rounding (docs/mathematics.md §2.3)."""
    n = w.shape[1]
    x_new = np.matmul(x, w.T) + bias
    r, eps_r = _residual(x, w, bias, x_new)
    c_new = r + np.matmul(c, w.T)
    eps_new = np.matmul(eps + gamma(n) * np.abs(c), np.abs(w).T) * (1.0 + 2.0 * gamma(n + 3))
    return x_new, c_new, (eps_new + eps_r + UNIT_ROUNDOFF * np.abs(c_new)) * (1.0 + 2.0 * gamma(3))


#: Slices per operand in ``_residual`` and the largest kept k + j: the dropped products are ≤ 2^{−4β}·n·σ·τ.
_SLICES, _KEEP = 4, 5


def _residual(a: np.ndarray, w: np.ndarray, bias: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """r̃ ≈ a·Wᵀ + bias − target and a rigorous bound of |r̃ − r|, from float64 products that are exact.

    Ozaki's splitting (Ozaki, Ogita, Oishi, Rump, *Numer. Algorithms* 59, 2012): each row of ``a`` and of W
    is cut into slices a = a₁ + a₂ + …, entries of slice k being integer multiples of σ·2^{−βk} (σ a power of
    two ≥ the row's largest |entry|) of at most β bits, with 2β + log₂n ≤ 52, so that every product of a slice
    of ``a`` with a slice of W is computed exactly by any BLAS. Products with k + j ≤ 5 are summed (the first
    one with the bias by an error-free sum), the rest are bounded."""
    beta = (52 - int(np.ceil(np.log2(max(a.shape[1], 2))))) // 2
    sigma, tau = _row_scales(a), _row_scales(w)
    w_slices = list(_slices(w, tau, beta))
    acc = absacc = None
    for k, a_k in enumerate(_slices(a, sigma, beta), start=1):
        for j, w_j in enumerate(w_slices[: _KEEP - k], start=1):
            part = np.matmul(a_k, w_j.T)
            if k == j == 1:
                total, err = _two_sum(part, bias)
                lead = total - target
                acc, absacc = lead + err, np.abs(lead) + np.abs(err)
            else:
                acc += part
                absacc += np.abs(part)
    # Dropped slices and remainders: ≤ 8·2^{−4β}·σ·τ per pair of nonzero operands, of which entry (k, i) has at
    # most min(nonzeros of row k of a, of row i of W) (the exact count for a dense W, without a product).
    pairs = np.minimum(np.count_nonzero(a, axis=1)[:, None], np.count_nonzero(w, axis=1)[None, :])
    dropped = pairs * np.outer(sigma, tau) * (8.0 * 2.0 ** (-4 * beta))
    return acc, (gamma(12) * absacc + dropped) * (1.0 + 2.0 * gamma(3))


def _row_scales(x: np.ndarray) -> np.ndarray:
    """Per row, the least power of two ≥ its largest |entry| (0 for a zero row)."""
    largest = np.max(np.abs(x), axis=1)
    _, exponent = np.frexp(largest)
    return np.where(largest > 0, np.ldexp(1.0, exponent), 0.0)


def _slices(x: np.ndarray, scale: np.ndarray, beta: int) -> Iterator[np.ndarray]:
    """x = Σ_k slice_k + rest, slice k on the grid g_k = scale·2^{−βk} (row-wise), |rest| ≤ g_K/2: the
    rounding of a to a multiple of g is fl(fl(a + c) − c) with c = 1.5·2⁵²·g (Rump, Ogita, Oishi 2008)."""
    rest = np.array(x, dtype=np.float64, copy=True)
    for k in range(1, _SLICES + 1):
        shift = np.ldexp(1.5 * scale, 52 - beta * k)[:, None]
        part = (rest + shift) - shift
        rest -= part
        yield part


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s = fl(a + b) and e with a + b = s + e exactly (Knuth's TwoSum)."""
    total = a + b
    virtual = total - a
    return total, (a - (total - virtual)) + (b - virtual)


def _two_product_error(a: np.ndarray, b: np.ndarray, product: np.ndarray) -> np.ndarray:
    """e with a·b = product + e exactly, product = fl(a·b) (Dekker's TwoProduct, no fused multiply-add)."""

    def split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = 134217729.0 * x  # 2^27 + 1
        high = c - (c - x)
        return high, x - high

    a_hi, a_lo = split(a)
    b_hi, b_lo = split(np.broadcast_to(b, a.shape))
    return ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


@dataclass(frozen=True)
class BracketPoints:
    """Where segment k (0 … B) is evaluated: ``mid`` (its pattern is read there), ``start``/``end`` (its
    stretch [p_{k−1}, q_k]; −inf/+inf on the tails), ``before``/``after`` (the far ends q_{k−1} / p_k of the
    brackets of the knots that bound it; nan where there is no such knot). ``fits``: per knot, q < t̃ < p and
    the bracket ends stay ordered with the neighbours'. ``first_stretch``: whether segment 0's stretch is checked
    here (a block of segments after the first shares its first segment with the block before, which checks it)."""

    mid: np.ndarray
    start: np.ndarray
    end: np.ndarray
    before: np.ndarray
    after: np.ndarray
    fits: np.ndarray
    first_stretch: bool = True

    def block(self, first: int, last: int) -> BracketPoints:
        """Segments first … last and the knots between them (first … last − 1)."""
        seg = slice(first, last + 1)
        return BracketPoints(self.mid[seg], self.start[seg], self.end[seg], self.before[seg], self.after[seg],
                             self.fits[first:last], first_stretch=first == 0)  # fmt: skip


def bracket_points(knots: np.ndarray, window: tuple[float, float] | None = None) -> BracketPoints:
    """Brackets [q_j, p_j] = t̃_j ∓ r_j with r_j a quarter of the distance to the nearer neighbour (for a lone
    knot over ℝ, a quarter of max(1, |t̃|)); the midpoint of each inner stretch; over ℝ the tails are read at their
    one end. On an open ``window`` (lo, hi) its ends are the outer stretches' ends (and neighbours of the outer
    knots), and the outer stretches are read at their midpoints."""
    n = knots.shape[0]
    lo, hi = (-np.inf, np.inf) if window is None else (float(window[0]), float(window[1]))
    if n == 0:
        mid = np.zeros(1) if window is None else np.array([0.5 * lo + 0.5 * hi])
        nan = np.full(1, np.nan)
        return BracketPoints(mid=mid, start=np.full(1, lo), end=np.full(1, hi), before=nan, after=nan,
                             fits=np.zeros(0, dtype=bool))  # fmt: skip
    gaps = np.diff(knots)
    left = np.concatenate([[knots[0] - lo], gaps])
    right = np.concatenate([gaps, [hi - knots[-1]]])
    radius = 0.25 * np.minimum(left, right)
    if n == 1 and window is None:
        radius = np.array([0.25 * max(1.0, abs(float(knots[0])))])
    q, p = knots - radius, knots + radius
    fits = (q < knots) & (knots < p)
    fits[1:] &= p[:-1] <= q[1:]
    fits[0] &= lo <= q[0]
    fits[-1] &= p[-1] <= hi
    start = np.concatenate([[lo], p])
    end = np.concatenate([q, [hi]])
    if window is None:
        outer = (q[0], p[-1])
    else:
        outer = (0.5 * lo + 0.5 * q[0], 0.5 * p[-1] + 0.5 * hi)
    mid = np.concatenate([[outer[0]], 0.5 * p[:-1] + 0.5 * q[1:], [outer[1]]])
    before = np.concatenate([[np.nan], q])
    after = np.concatenate([p, [np.nan]])
    return BracketPoints(mid=mid, start=start, end=end, before=before, after=after, fits=fits)


def in_safe_range(*arrays: np.ndarray) -> bool:
    """Every finite nonzero |x| lies in [2⁻⁴⁰⁰, 2⁴⁰⁰] (no bound below can underflow or overflow)."""
    for a in arrays:
        mag = np.abs(a[np.isfinite(a)])
        mag = mag[mag != 0]
        if mag.size and (mag.min() < SAFE_MIN or mag.max() > SAFE_MAX):
            return False
    return True


@dataclass(frozen=True)
class Forms:
    """Every segment's affine forms in one layer: z̃(m_k), s̃ and their error bounds, read at m_k = ``mid``."""

    z: np.ndarray
    s: np.ndarray
    e_z: np.ndarray
    e_s: np.ndarray
    mid: np.ndarray

    def in_safe_range(self) -> bool:
        """Every finite nonzero value and bound lies in [2⁻⁴⁰⁰, 2⁴⁰⁰] (module docstring)."""
        return all(proof_kernels.magnitude_range(x, SAFE_MIN, SAFE_MAX) for x in (self.z, self.s, self.e_z, self.e_s))

    def at(self, rows: np.ndarray, t: np.ndarray, reach: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The forms of segments ``rows`` at t (one point per row) and a rigorous bound of their error:
        e_z + e_s·|δ|(1+u) + γ₃(|z̃| + |s̃||δ|) with δ = fl(t − m), inflated for its own rounding; with ``reach``
        (per row), a bound for every point within reach of t: + (|s̃| + e_s)·reach, inflated again (the sign
        kernel's widening)."""
        rows = np.asarray(rows, dtype=np.int64)
        t = np.broadcast_to(np.asarray(t, dtype=np.float64), rows.shape)
        value, bound = np.empty((rows.shape[0], self.z.shape[1])), np.empty((rows.shape[0], self.z.shape[1]))
        proof_kernels.forms_at(self.z, self.s, self.e_z, self.e_s, self.mid, rows, t, UNIT_ROUNDOFF, gamma(3),
                               gamma(6), value, bound)  # fmt: skip
        if reach is not None:
            s = self.s[rows]
            with np.errstate(invalid="ignore"):  # 0·∞ (a root not located): nan, a bound no sign passes
                bound = (bound + (np.abs(s) + self.e_s[rows]) * reach[:, None]) * (1.0 + 2.0 * gamma(4))
        return value, bound


def holds(value: np.ndarray, bound: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """The wanted strict sign beyond the bound, or an exact (structural) zero of an off gate."""
    return (sign * value > bound) | ((sign < 0) & (value == 0) & (bound == 0))


def sign_checks(
    form: Forms,
    gate: np.ndarray,
    points: BracketPoints,
    knots: np.ndarray,
    flips_here: np.ndarray,
    flip_neuron: np.ndarray | tuple[np.ndarray, np.ndarray],
    below: np.ndarray,
    rho: np.ndarray,
    row_of: np.ndarray | None = None,
    exempt: tuple[dict[int, np.ndarray], dict[int, np.ndarray]] | None = None,
    form_of: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Failed sign decisions per row of ``form``, and how many were checked, in one layer (module docstring,
    step 3: sign and knot checks).

    ``flips_here``: knots whose gate change is in this layer; ``flip_neuron``: per knot, the column whose wanted
    sign reverses at the far end of its bracket (one array, or a pair: the left segment's and the right one's, which
    differ for an arg-max that moves from one slot to another); ``below``: knots whose gate change is in an
    earlier layer, whose root t* is known to lie within ``rho`` of t̃ (``root_radius``). ``row_of``: when
    ``form`` and ``gate`` hold some segments only, the row of each segment in them (−1: absent; its checks are
    skipped); by default row k is segment k. ``exempt`` (with ``row_of`` None): per side of a knot (left, right),
    knot → the columns whose check in its bracket (at the far end, or within ρ of t̃) the caller replaces by its own
    (``relu1d.engine.graph_proof``: an arg-max's other slots, a change forced by an exact tie). ``form_of``: per row of
    ``gate``, the row of ``form`` that holds its affine form (forms that several segments share); by default the
    same row."""
    want = np.where(gate, 1.0, -1.0)
    n_seg = points.start.shape[0]

    def form_rows(rows: np.ndarray) -> np.ndarray:
        return rows if form_of is None else form_of[rows]

    failed = np.zeros(gate.shape[0], dtype=np.int64)
    checked = 0

    def held(segs: np.ndarray, *per_seg: np.ndarray) -> tuple[np.ndarray, ...]:
        """The form rows of the segments ``segs`` that ``form`` holds, and the matching entries of ``per_seg``."""
        if row_of is None:
            return (segs, *per_seg)
        rows = row_of[segs]
        keep = rows >= 0
        return (rows[keep], *(x[keep] for x in per_seg))

    def check(segs: np.ndarray, t: np.ndarray, flip: np.ndarray | None = None, reach: np.ndarray | None = None,
              skip: tuple[np.ndarray, np.ndarray] | None = None) -> int:  # fmt: skip
        """Fused form.at + holds for segments ``segs`` at points t (flip: a column whose wanted sign reverses;
        skip: columns left unchecked, per query, as (offsets, columns))."""
        flip = np.full(segs.shape, -1, dtype=np.int64) if flip is None else flip
        widen = reach is not None
        reach = np.zeros(segs.shape) if reach is None else reach
        rows, t, flip, reach = held(segs, t, flip, reach)
        ptr, cols = (np.zeros(rows.shape[0] + 1, dtype=np.int64), _NO_COLUMNS) if skip is None else skip
        return proof_kernels.sign_failures(form.z, form.s, form.e_z, form.e_s, form.mid, gate, rows, form_rows(rows),
                                          t, widen, reach, flip, ptr, cols, UNIT_ROUNDOFF, gamma(3), gamma(6),
                                          gamma(4), failed)  # fmt: skip

    own = np.ones(n_seg, dtype=bool)
    own[0] = points.first_stretch
    finite_start, finite_end = np.isfinite(points.start), np.isfinite(points.end)
    for ends, finite in ((points.start, finite_start), (points.end, finite_end)):
        segs = np.nonzero(finite & own)[0]
        if segs.size:
            checked += check(segs, ends[segs])
    # Unbounded ends: the slope points away from zero (or is an exact zero), beyond its bound.
    for segs, direction in ((np.nonzero(~finite_start & own)[0], -1.0), (np.nonzero(~finite_end & own)[0], 1.0)):
        (rows,) = held(segs)
        if rows.size:
            s, e_s = form.s[form_rows(rows)], form.e_s[form_rows(rows)]
            ok = (want[rows] * direction * s > e_s) | ((s == 0) & (e_s == 0))
            failed[rows] += np.count_nonzero(~ok, axis=1)
            checked += ok.size
    n_knots = n_seg - 1
    if n_knots == 0:  # no knot at all (the one segment has no finite end): the form must have its sign at m
        every = form_rows(np.arange(gate.shape[0]))
        ok = holds(form.z[every], form.e_z[every], want)
        failed += np.count_nonzero(~ok, axis=1)
        return failed, checked + ok.size
    # Each knot, from each side (segment j on its left, j+1 on its right).
    left_columns, right_columns = flip_neuron if isinstance(flip_neuron, tuple) else (flip_neuron, flip_neuron)
    sides = (
        (np.arange(n_knots), points.after[:-1], left_columns),
        (np.arange(1, n_seg), points.before[1:], right_columns),
    )
    for side, (seg, far, flip_columns) in enumerate(sides):
        knot = np.arange(n_knots)
        # Layers up to the gate change: one affine form across the bracket; the far end has every gate's
        # sign, except the flipping gate's, which is the other side's.
        rows = np.nonzero(~below)[0]
        if rows.size:
            skip = _skips(exempt[side], rows) if exempt and exempt[side] else None
            checked += check(seg[rows], far[rows], flip=np.where(flips_here[rows], flip_columns[rows], -1), skip=skip)
        # Later layers: each side's form is the network's from its stretch up to the root t* (|t* − t̃| ≤ ρ),
        # so its sign at every point within ρ of t̃ must be its gate's.
        rows = np.nonzero(below)[0]
        if rows.size:
            skip = _skips(exempt[side], rows) if exempt and exempt[side] else None
            checked += check(seg[rows], knots[knot[rows]], reach=rho[rows], skip=skip)
    return failed, checked


_NO_COLUMNS = np.zeros(0, dtype=np.int64)


def _skips(exempt: dict[int, np.ndarray], knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, ascending columns) of the exempt columns of each of ``knots``, for the sign kernel."""
    lists = [np.sort(exempt.get(int(k), _NO_COLUMNS)).astype(np.int64) for k in knots]
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([c.shape[0] for c in lists])
    return ptr, np.concatenate([_NO_COLUMNS, *lists])


def root_radius(form: Forms, knots_here: np.ndarray, neurons: np.ndarray, t: np.ndarray) -> np.ndarray:
    """ρ ≥ |t* − t̃| for the root t* of each flipping gate's affine form (segment j on the knot's left):
    (|z̃(t̃)| + e)/(|s̃| − e_s), or inf when the slope is not bounded away from zero."""
    if knots_here.size == 0:
        return np.zeros(0)
    value, bound = form.at(knots_here, t)
    cols = (np.arange(knots_here.size), neurons)
    value, bound = value[cols], bound[cols]
    slope, e_slope = np.abs(form.s[knots_here, neurons]), form.e_s[knots_here, neurons]
    with np.errstate(divide="ignore", invalid="ignore"):
        radius = (np.abs(value) + bound) / (slope - e_slope) * (1.0 + 8.0 * UNIT_ROUNDOFF)
    return np.where(slope > e_slope, radius, np.inf)


def _jump_checks(
    net: Network,
    masks: list[np.ndarray],
    last: Forms,
    flip_layer: np.ndarray,
    flip_neuron: np.ndarray,
    simple: np.ndarray,
) -> tuple[int, np.ndarray]:
    """Failed jump decisions and the proven breakpoint flags (module docstring, step 3: jump checks).

    First from f′ itself: on segment k, f′ = w_out·(D∘s̃) of the ``last`` hidden layer's forms, with the bound
    |w_out|·(D∘e_s) + γ_n|w_out|·|D∘s̃|; where f′ on the two sides of a knot differs beyond their bounds, f′ jumps in
    its bracket, whose one kink is the knot (the other checks): a breakpoint. The knots left (a jump too small for its
    bound, or none: no path) are decided by g = ∂f/∂h_ℓ for each knot's left segment, by the backward pass
    g_ℓ = (D_{ℓ+1}∘g_{ℓ+1})·W_{ℓ+1} from g_L = w_out, with e_ℓ = (D∘e_{ℓ+1} + γ_n|D∘g̃_{ℓ+1}|)·|W| inflated like the
    forward bounds."""
    n_knots = flip_layer.shape[0]
    is_breakpoint = np.zeros(n_knots, dtype=bool)
    if n_knots == 0:
        return 0, is_breakpoint
    w_out = net.weights[-1][0]
    n = w_out.shape[0]
    on = masks[-1]
    slope = np.where(on, last.s, 0.0) @ w_out
    e_slope = (np.where(on, last.e_s + gamma(n) * np.abs(last.s), 0.0) @ np.abs(w_out)) * (1.0 + 2.0 * gamma(n + 3))
    jump = slope[1:] - slope[:-1]
    bound = (e_slope[1:] + e_slope[:-1] + UNIT_ROUNDOFF * np.abs(jump)) * (1.0 + 2.0 * gamma(3))
    is_breakpoint = simple & (np.abs(jump) > bound)
    again = np.nonzero(simple & ~is_breakpoint)[0]
    failed = np.zeros(n_knots, dtype=bool)
    if again.size == 0:
        return 0, is_breakpoint
    layers, neurons = flip_layer[again], flip_neuron[again]
    g = np.broadcast_to(w_out, (again.size, n))
    e_g = np.zeros_like(g)
    for ell in range(len(masks) - 1, -1, -1):
        here = np.nonzero(layers == ell)[0]
        if here.size:
            cols = (here, neurons[here])
            is_breakpoint[again[here]], failed[again[here]] = jump_decisions(g[cols], e_g[cols])
        if ell == 0:
            break
        w = net.weights[ell]
        gate = masks[ell][again]
        masked, e_masked = np.where(gate, g, 0.0), np.where(gate, e_g, 0.0)
        n_rows = w.shape[0]
        g = np.matmul(masked, w)
        e_g = np.matmul(e_masked + gamma(n_rows) * np.abs(masked), np.abs(w)) * (1.0 + 2.0 * gamma(n_rows + 2))
    still = np.nonzero(failed)[0]
    if still.size:  # a few knots (2 of 16,541 at 2048 × 8): decided again on second-order bounds
        value, bound = _refined_jump_values(net, masks, flip_layer[still], flip_neuron[still], still)
        is_breakpoint[still], failed[still] = jump_decisions(value, bound)
    return int(np.count_nonzero(failed)), is_breakpoint


def jump_decisions(value: np.ndarray, bound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(proven breakpoint, decision left open) for g̃ with |g − g̃| ≤ bound: |g̃| > bound proves g ≠ 0; an exact
    g̃ = 0 with bound 0 proves g = 0; anything else is open."""
    is_breakpoint = np.abs(value) > bound
    return is_breakpoint, ~is_breakpoint & ~((value == 0) & (bound == 0))


def _refined_jump_values(
    net: Network, masks: list[np.ndarray], flip_layer: np.ndarray, flip_neuron: np.ndarray, knots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """g = ∂f/∂h_ℓ* at the flipping neuron of each of ``knots`` (under its left segment's gates), and a bound on the
    error, by the backward pass of ``_jump_checks`` refined like ``_refined_forward``: g̃ + ĉ with ĉ each layer's
    float64 rounding recovered by ``_residual``, so only ĉ's own rounding passes through |W| (second order).
    Invariant |g − (g̃ + ĉ)| ≤ ε, carried through each layer's (D∘g)·W by ``_refined_product``."""
    w_out = net.weights[-1][0]
    g = np.array(np.broadcast_to(w_out, (knots.shape[0], w_out.shape[0])))
    c, eps = np.zeros_like(g), np.zeros_like(g)
    value, bound = np.zeros(knots.shape[0]), np.zeros(knots.shape[0])
    lowest = int(flip_layer.min())
    for ell in range(len(masks) - 1, lowest - 1, -1):
        here = np.nonzero(flip_layer == ell)[0]
        total, err = _two_sum(g[here, flip_neuron[here]], c[here, flip_neuron[here]])
        value[here], bound[here] = total, (eps[here, flip_neuron[here]] + np.abs(err)) * (1.0 + UNIT_ROUNDOFF)
        if ell == lowest:
            break
        w, gate = net.weights[ell], masks[ell][knots]
        on = (np.where(gate, x, 0.0) for x in (g, c, eps))
        g, c, eps = _refined_product(*on, w.T, np.zeros((knots.shape[0], w.shape[1])))
    return value, bound
