"""PyTorch models counted along lines, checked against torch's own float64 forward pass and the rational walk."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from relu1d.engine.oracles.walk import walk_regions  # noqa: E402
from relu1d.models import count_regions, to_graph  # noqa: E402
from tests.graphs import assert_matches_forward, assert_same_regions  # noqa: E402


def lenet(channels: int = 3) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, channels, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(channels, 4, 2, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(4 * 2 * 2, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3),
    )  # fmt: skip


class ResidualBlock(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding="same")
        self.act = nn.PReLU(c)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return self.act(self.conv2(h) + x)


class ResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 3, 3, stride=2, padding=1)
        self.block = ResidualBlock(3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(3, 2)
        self.drop = nn.Identity()

    def forward(self, x):
        h = nn.functional.leaky_relu(self.stem(x), 0.05)
        h = self.block(h)
        h = self.pool(h)
        return self.head(self.drop(h.view(h.size(0), -1)))


class Functional1d(nn.Module):
    """Conv1d with dilation and groups, max pooling with padding, the functional forms and a concatenation."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(2, 4, 3, dilation=2, groups=2, padding=2)
        self.pool = nn.MaxPool1d(3, stride=2, padding=1)
        self.clip = nn.Hardtanh(-0.5, 0.5)
        self.six = nn.ReLU6()
        self.fc = nn.Linear(4 * 5 * 2, 2)

    def forward(self, x):
        h = self.pool(torch.abs(self.conv(x)))
        left = torch.clamp(h * 0.5 - 0.1, -1.0, 1.0)
        right = self.six(self.clip(h) * 3.0)
        return self.fc(torch.flatten(torch.cat([left, right], dim=1), 1))


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(5, 6), nn.LeakyReLU(0.2), nn.Linear(6, 6), nn.Hardtanh(), nn.Linear(6, 1))


MODELS = {"lenet": (lenet, (1, 9, 9)), "resnet": (ResNet, (1, 8, 8)), "functional1d": (Functional1d, (2, 10)),
          "mlp": (mlp, (5,))}  # fmt: skip


def _randomised(model: nn.Module, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):  # running statistics away from the identity
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.3, 0.3)
    return model.eval()


def _forward(model: nn.Module):
    reference = model.double().eval()

    def run(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return reference(torch.from_numpy(np.ascontiguousarray(x))).numpy()

    return run


@pytest.mark.parametrize("name", sorted(MODELS))
def test_counts_equal_the_rational_walk_and_torch(name: str) -> None:
    build, shape = MODELS[name]
    checked = 0
    for seed in range(3):
        torch.manual_seed(seed)
        model = _randomised(build(), seed)
        rng = np.random.default_rng([21, seed])
        a, b = rng.normal(size=shape), rng.normal(size=shape)
        result = count_regions(model, a, b)
        exact = walk_regions(to_graph(model, shape), a, b - a)
        assert_same_regions(result, exact)
        checked += assert_matches_forward(result, _forward(model), a, b - a)
        segment = count_regions(model, a, b, window=(0.0, 1.0))
        assert_same_regions(segment, exact.restrict(0.0, 1.0))
    assert checked > 0


def test_the_original_module_is_left_as_it_was() -> None:
    model = lenet().train()
    count_regions(model, np.zeros((1, 9, 9)), np.ones((1, 9, 9)))
    assert model.training and next(model.parameters()).dtype == torch.float32


def test_duplicate_channels_dead_units_and_pooling_ties() -> None:
    """A copied channel (coincident knots), a dead one, a constant one (max-pool ties on whole windows), zero biases
    on a line through the origin."""
    torch.manual_seed(4)
    model = lenet(channels=4)
    conv = model[0]
    with torch.no_grad():
        conv.weight[1] = conv.weight[0]
        conv.bias[1] = conv.bias[0]
        conv.weight[2] = 0.0
        conv.bias[2] = -1.0  # dead after the ReLU
        conv.weight[3] = 0.0
        conv.bias[3] = 0.7  # constant: every pooling window ties
    rng = np.random.default_rng(4)
    for a in (rng.normal(size=(1, 9, 9)), np.zeros((1, 9, 9))):
        b = rng.normal(size=(1, 9, 9))
        result = count_regions(model.eval(), a, b)
        assert_same_regions(result, walk_regions(to_graph(model, a.shape), a, b - a))
        assert_matches_forward(result, _forward(model), a, b - a)


@pytest.mark.parametrize(
    ("module", "what"),
    [
        (nn.Sequential(nn.Linear(3, 3), nn.Sigmoid()), "Sigmoid"),
        (nn.Sequential(nn.Linear(3, 3), nn.GELU()), "GELU"),
    ],
)
def test_unsupported_operations_are_named(module: nn.Module, what: str) -> None:
    with pytest.raises(ValueError, match=rf"unsupported operation {what} at node '1'"):
        count_regions(module, np.zeros(3), np.ones(3))


def test_products_of_tensors_and_nan_weights_are_refused() -> None:
    class Square(nn.Module):
        def forward(self, x):
            return x * x

    with pytest.raises(ValueError, match="product of two network tensors"):
        count_regions(Square(), np.zeros(3), np.ones(3))
    broken = nn.Linear(3, 1)
    with torch.no_grad():
        broken.weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        count_regions(broken, np.zeros(3), np.ones(3))
