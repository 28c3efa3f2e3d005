"""Beyond the papers: knots per neuron and their survival for other activations, initialisations and residual
networks, exact counts beside the theory of ``relu1d.theory.activations`` (docs/mathematics.md §8, claims X1–X5).

A *family* is an activation with its weight variance σ_w² (default: the activation's He gain), a weight law
(Gaussian, or uniform with the same variance) and, optionally, residual blocks. Every (family, width, depth) is a
cell; its networks are seeded from (seed, a hash of the family's name, width, depth, network index), so a cell is
reproducible alone and adding a family changes no other. Each network is counted over all of ℝ by the graph engine
(``relu1d.engine.count.count_graph``), one row per network.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from relu1d.replication.bootstrap import bootstrap_mean
from relu1d.theory import activations as theory

if TYPE_CHECKING:  # the engine (numba) and pandas load where networks are built: the workflow validates config
    import pandas as pd  # with ``family_specs`` in Snakemake's own process, which needs neither

    from relu1d.engine.graph import Activation, Graph

#: The activations a family may name, as the theory's constructors.
ACTIVATIONS = {
    "relu": lambda spec: theory.relu(),
    "leaky_relu": lambda spec: theory.leaky_relu(float(spec["negative_slope"])),
    "abs": lambda spec: theory.absolute(),
    "relu6": lambda spec: theory.relu6(),
    "hardtanh": lambda spec: theory.hardtanh(),
}
WEIGHT_LAWS = ("gaussian", "uniform")
#: Residual branch scales: a constant α, or α = 1/√depth.
RESIDUAL = ("none", "one", "inverse_sqrt_depth")

COUNT_COLUMNS = (
    "family",
    "width",
    "depth",
    "index",
    "sum_n",
    "linear_regions",
    "activation_regions",
    "knots_per_layer",
    "breakpoints_per_layer",
    "certified",
    "method",
)


@dataclass(frozen=True)
class FamilySpec:
    """One family of the config's ``beyond.families``: its name, activation, σ_w² (the activation's He gain unless
    the config sets it), weight law and residual mode."""

    name: str
    activation: theory.PiecewiseLinear
    sigma_w2: float
    weights: str
    residual: str

    def theory_family(self, depth: int, sigma_b: float) -> theory.Family:
        """The law of this family's networks of ``depth`` unit layers, as the theory sees it."""
        return theory.Family(self.activation, self.sigma_w2, sigma_b, self.residual_scale(depth))

    @property
    def keeps_every_kink(self) -> bool:
        """No piece of slope 0: no later layer can switch a kink off (survival 1, docs/mathematics.md §8)."""
        return all(a != 0 for a in self.activation.slopes)

    def describe(self) -> dict[str, Any]:
        """The columns that say what the family is, for every summary row."""
        return {
            "activation": self.activation.name,
            "sigma_w2": self.sigma_w2,
            "he_gain": self.sigma_w2 == self.activation.he_gain,
            "weights": self.weights,
            "residual": self.residual,
            "homogeneous": self.activation.homogeneous,
            "keeps_every_kink": self.keeps_every_kink,
        }

    def residual_scale(self, depth: int) -> float | None:
        return {"none": None, "one": 1.0, "inverse_sqrt_depth": 1.0 / math.sqrt(depth)}[self.residual]


def family_specs(families: Mapping[str, Mapping[str, Any]]) -> list[FamilySpec]:
    """Validated ``FamilySpec`` of every configured family, in config order (a bad entry names itself)."""
    specs = []
    for name, spec in families.items():
        kind = spec.get("activation")
        if kind not in ACTIVATIONS:
            raise ValueError(f"beyond.families.{name}.activation: expected one of {sorted(ACTIVATIONS)}, got {kind!r}")
        if kind == "leaky_relu" and "negative_slope" not in spec:
            raise ValueError(f"beyond.families.{name}: leaky_relu needs negative_slope")
        act = ACTIVATIONS[kind](spec)
        sigma_w2 = float(spec.get("sigma_w2", act.he_gain))
        if not (math.isfinite(sigma_w2) and sigma_w2 > 0):
            raise ValueError(f"beyond.families.{name}.sigma_w2: must be a finite number > 0, got {sigma_w2}")
        weights, residual = spec.get("weights", "gaussian"), spec.get("residual", "none")
        if weights not in WEIGHT_LAWS:
            raise ValueError(f"beyond.families.{name}.weights: expected one of {WEIGHT_LAWS}, got {weights!r}")
        if residual not in RESIDUAL:
            raise ValueError(f"beyond.families.{name}.residual: expected one of {RESIDUAL}, got {residual!r}")
        specs.append(FamilySpec(name, act, sigma_w2, weights, residual))
    return specs


def _draw(rng: np.random.Generator, law: str, sd: float, shape: tuple[int, ...]) -> np.ndarray:
    """Centred draws of standard deviation ``sd``: N(0, sd²), or U(−√3·sd, √3·sd) (the same variance)."""
    if law == "gaussian":
        return rng.standard_normal(shape) * sd
    return rng.uniform(-math.sqrt(3.0) * sd, math.sqrt(3.0) * sd, shape)


def _engine_activation(act: theory.PiecewiseLinear) -> Activation:
    from relu1d.engine.graph import Activation

    return Activation(act.name, np.array(act.kinks), np.array(act.slopes), np.array(act.intercepts))


def sample_graph(spec: FamilySpec, width: int, depth: int, sigma_b: float, seed: int, index: int) -> Graph:
    """Network ``index`` of a cell as an engine graph, one input and output.

    Plain: z¹ = W¹x + b¹, z^{ℓ+1} = W^{ℓ+1}φ(z^ℓ) + b^{ℓ+1}, f = W^{L+1}φ(z^L) + b^{L+1}. Residual:
    z^{ℓ+1} = z^ℓ + α(W^{ℓ+1}φ(z^ℓ) + b^{ℓ+1}) for ℓ ≥ 1 (α folded into the branch). Weights have variance
    σ_w²/fan-in, biases σ_b², both of the family's law; draws in the order W¹, b¹, W², b², …, output.
    """
    from relu1d.engine.graph import Dense, graph_from_blocks

    name_key = int.from_bytes(hashlib.sha256(spec.name.encode()).digest()[:4], "little")
    rng = np.random.default_rng(np.random.SeedSequence([seed, name_key, width, depth, index]))
    sizes = [1, *([width] * depth), 1]
    alpha = spec.residual_scale(depth)
    ops = []
    for ell, (n_prev, n) in enumerate(itertools.pairwise(sizes)):
        w = _draw(rng, spec.weights, math.sqrt(spec.sigma_w2 / n_prev), (n, n_prev))
        b = _draw(rng, spec.weights, sigma_b, (n,))
        scale = alpha if alpha is not None and 0 < ell < depth else 1.0  # branches of blocks 2…L carry α
        ops.append(Dense(scale * w, scale * b))
    act = _engine_activation(spec.activation)
    return graph_from_blocks((1,), ops[:-1], act, [(f"dense{depth + 1}", ops[-1])], residual=alpha is not None)


def count_cell(spec: FamilySpec, width: int, depth: int, networks: int, sigma_b: float, seed: int) -> list[dict]:
    """One row per network of the cell: regions, knots and breakpoints per unit layer, how the count is known."""
    from relu1d.engine.count import count_graph

    rows = []
    for index in range(networks):
        result = count_graph(sample_graph(spec, width, depth, sigma_b, seed, index), np.zeros(1), np.ones(1))
        rows.append(
            {
                "family": spec.name,
                "width": width,
                "depth": depth,
                "index": index,
                "sum_n": width * depth,
                "linear_regions": result.linear_regions,
                "activation_regions": result.activation_regions,
                "knots_per_layer": result.knots_per_layer.tolist(),
                "breakpoints_per_layer": result.breakpoints_per_layer.tolist(),
                "certified": result.certified,
                "method": result.method,
            }
        )
    return rows


def networks_per_width(config: Mapping[str, Any]) -> dict[int, int]:
    """``beyond.networks`` (one count, or one per width) keyed by width."""
    widths, networks = config["widths"], config["networks"]
    if isinstance(networks, int):
        networks = [networks] * len(widths)
    if len(networks) != len(widths):
        raise ValueError(f"beyond.networks: {len(networks)} entries for {len(widths)} widths")
    return dict(zip(widths, networks, strict=True))


def count_family(config: Mapping[str, Any], family: str) -> pd.DataFrame:
    """Every cell of one family (``beyond`` config section), as a table of ``COUNT_COLUMNS``."""
    import pandas as pd

    specs = {s.name: s for s in family_specs(config["families"])}
    if family not in specs:
        raise ValueError(f"beyond: no family {family!r} (configured: {sorted(specs)})")
    rows = []
    for width, networks in networks_per_width(config).items():
        for depth in config["depths"]:
            rows += count_cell(specs[family], width, depth, networks, float(config["sigma_b"]), int(config["seed"]))
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def layer_summary(counts: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Per (family, width, depth, layer): measured knots and surviving knots per neuron (mean, 95% CI over networks)
    beside the theory's ``knots_per_neuron`` and ``surviving_knots_per_neuron``."""
    import pandas as pd

    specs = {s.name: s for s in family_specs(config["families"])}
    sigma_b = float(config["sigma_b"])
    rows = []
    for (family, width, depth), group in counts.groupby(["family", "width", "depth"], sort=True):
        law = specs[family].theory_family(int(depth), sigma_b)
        knots = np.stack(group["knots_per_layer"].to_numpy()) / width
        kept = np.stack(group["breakpoints_per_layer"].to_numpy()) / width
        widths = (int(width),) * int(depth)
        for ell in range(1, int(depth) + 1):
            key = f"beyond/{family}/{width}/{depth}/{ell}"
            k, s = bootstrap_mean(knots[:, ell - 1], key + "/knots"), bootstrap_mean(kept[:, ell - 1], key + "/kept")
            rows.append(
                {
                    "family": family,
                    **specs[family].describe(),
                    "width": int(width),
                    "depth": int(depth),
                    "layer": ell,
                    "networks": k.n,
                    "knots_per_neuron": k.mean,
                    "knots_lo": k.lo,
                    "knots_hi": k.hi,
                    "knots_predicted": theory.knots_per_neuron(ell, law),
                    "kept_per_neuron": s.mean,
                    "kept_lo": s.lo,
                    "kept_hi": s.hi,
                    "kept_predicted": theory.surviving_knots_per_neuron(widths, ell, law),
                }
            )
    return pd.DataFrame(rows)


def cell_summary(counts: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Per (family, width, depth): E[R]/(Σn + 1) (mean, 95% CI) beside the model's 1 + Σ n_ℓ·(surviving knots per
    neuron), also divided by Σn + 1; knots per neuron over all layers (mean, CI) beside the theory's mean over the
    layers; and how many counts were certified."""
    import pandas as pd

    specs = {s.name: s for s in family_specs(config["families"])}
    sigma_b = float(config["sigma_b"])
    rows = []
    for (family, width, depth), group in counts.groupby(["family", "width", "depth"], sort=True):
        norm = int(width) * int(depth) + 1
        key = f"beyond/{family}/{width}/{depth}"
        ratio = bootstrap_mean(group["linear_regions"].to_numpy() / norm, key + "/ratio")
        knots = bootstrap_mean(np.stack(group["knots_per_layer"].to_numpy()).sum(axis=1) / (norm - 1), key + "/knots")
        law = specs[family].theory_family(int(depth), sigma_b)
        rows.append(
            {
                "family": family,
                **specs[family].describe(),
                "width": int(width),
                "depth": int(depth),
                "networks": ratio.n,
                "ratio": ratio.mean,
                "ratio_lo": ratio.lo,
                "ratio_hi": ratio.hi,
                "ratio_predicted": theory.expected_regions((int(width),) * int(depth), law) / norm,
                "knots_per_neuron": knots.mean,
                "knots_lo": knots.lo,
                "knots_hi": knots.hi,
                "knots_predicted": float(
                    np.mean([theory.knots_per_neuron(ell, law) for ell in range(1, int(depth) + 1)])
                ),
                "activation_ratio": float(group["activation_regions"].mean() / norm),
                "certified": int(group["certified"].sum()),
            }
        )
    return pd.DataFrame(rows)
