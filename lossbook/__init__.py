"""lossbook: loss functions for neural networks, with their gradients, in numpy.

Every loss is one object: calling it gives the value, ``.gradient`` the
derivative with respect to ``y_pred``, and ``.value_and_gradient`` both from
one pass. Arguments come in scikit-learn's order, ``(y_true, y_pred)``, and
options are keyword-only.

>>> import lossbook as lb
>>> lb.mse([1.0, 2.0], [1.0, 3.0])
0.5
"""

from ._loss import LOSSES, Loss, Option, get_loss, make_loss

# The losses register themselves in this order: regression, binary, multi-class.
from .regression import gaussian_nll, huber, log_cosh, mae, mse, poisson_nll, quantile  # noqa: I001
from .binary import binary_cross_entropy, binary_cross_entropy_with_logits, hinge, sigmoid_focal
from .multiclass import categorical_cross_entropy, multiclass_hinge, softmax_cross_entropy
from .activations import log_softmax, sigmoid, softmax
from .distributions import cross_entropy, entropy, kl_divergence
from .gradcheck import GradientCheckError, check_gradient, numerical_gradient

__version__ = "0.1.0"

__all__ = [
    "LOSSES",
    "Loss",
    "Option",
    "get_loss",
    "make_loss",
    # regression
    "mse",
    "mae",
    "huber",
    "log_cosh",
    "quantile",
    "poisson_nll",
    "gaussian_nll",
    # binary and multi-label
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "hinge",
    "sigmoid_focal",
    # multi-class
    "softmax_cross_entropy",
    "categorical_cross_entropy",
    "multiclass_hinge",
    # activations
    "sigmoid",
    "softmax",
    "log_softmax",
    # distributions
    "entropy",
    "cross_entropy",
    "kl_divergence",
    # gradient checks
    "check_gradient",
    "numerical_gradient",
    "GradientCheckError",
]

# --- learning side ---
# Layers, optimizers, the training loop, scikit-learn estimators, and the
# datasets and plotting submodules (``lb.datasets``, ``lb.plotting``; plotting
# imports matplotlib only when a helper is called).
from . import datasets, plotting, training
from .nn import Dense, Identity, Layer, ReLU, Sequential, Sigmoid, Softmax, Tanh, mlp
from .optim import Adam, GradientDescent, Momentum, Optimizer, get_optimizer
from .training import DivergenceWarning, History, fit, minibatches, train_step

__all__ += [
    # layers and models
    "Layer",
    "Dense",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Identity",
    "Softmax",
    "Sequential",
    "mlp",
    # optimizers
    "Optimizer",
    "GradientDescent",
    "Momentum",
    "Adam",
    "get_optimizer",
    # training loop
    "History",
    "DivergenceWarning",
    "minibatches",
    "train_step",
    "fit",
    # estimators
    "LossRegressor",
    "LossClassifier",
]


# The estimators need scikit-learn, which `import lossbook` does not load: they are
# imported on first use (PEP 562), so `import lossbook` costs little more than numpy.
_LAZY = {"LossRegressor": "estimators", "LossClassifier": "estimators"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

