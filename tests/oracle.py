"""An independent, high-precision reference for every built-in loss of lossbook.

Each loss is written here from its mathematical definition (DESIGN.md and the loss's
docstring), evaluated with mpmath at 50 significant digits on the exact values of the
inputs, never with lossbook's numerically clever forms: no max-shifted log-sum-exp, no
``max(z, 0) - z y + log1p(exp(-|z|))``. The derivative with respect to ``y_pred`` is
derived by hand from the same definition (``tests/test_oracle.py`` checks every one of
them against ``mpmath.diff`` of the value). The oracle knows nothing of floating point
but two facts of the contract:

- the inputs are the exact values of the arrays lossbook receives (integers and booleans
  first become float64, as DESIGN says);
- probabilities are clipped to ``[eps, 1 - eps]``, ``eps`` being the machine epsilon of the
  input's dtype (or the ``eps`` option); where the clip is active (outside the closed
  interval) the derivative is 0 (the docstrings' convention). For the default eps,
  ``1 - eps`` is a float of the dtype; for a smaller ``eps`` option (1e-300), ``1 - eps`` is
  not, and the contract is the exact interval: ``log(1 - p)`` never sees a 0.

Only exact algebraic identities are used to keep digits from cancelling, never an
approximation: ``1 - sigmoid(z) = sigmoid(-z)``, ``log(1 + x)`` is ``mpmath.log1p(x)``,
``1 - p_t = p (1 - y) + (1 - p) y`` and ``-log softmax(z)_c = log1p(sum_{j != c}
exp(z_j - z_c))``. ``log(cosh(e))`` is evaluated literally, at a precision raised by twice
the number of leading zero digits of ``e`` (``cosh(e) = 1 + e^2/2 + ...``).
``tests/test_oracle.py`` recomputes random cases at twice the precision to show that 50
digits are enough.

Besides the value ``loss`` and the derivative ``grad`` of each element (each sample, for
the multi-class losses), every function returns two *scales*, ``loss_scale`` and
``grad_scale``: the magnitudes against which floating-point rounding is measured by the
error bounds of ``tests/test_fuzz.py``. A scale is the sum of the absolute values of the
terms of the definition (so it equals ``|loss|`` where no terms cancel), plus the
sensitivity of the result to a relative perturbation of the inputs that an algorithm
must round (the error ``e = y_pred - y_true`` of the regression losses, soft targets that
multiply a logit, the options when they are rounded to float32). Each function's
docstring says which. Two more facts per element (``Exact``): its *extents*, the largest
numbers its definition needs, beyond which no float algorithm can hold it; and for the
multi-class hinge, whose margins an algorithm forms by rounded subtractions, a slack for
a subgradient taken within rounding of a kink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mpmath import mp, mpf

#: Significant decimal digits of every reference value.
DIGITS = 50

ZERO = mpf(0)
ONE = mpf(1)


@dataclass
class Exact:
    """The unreduced reference of one call.

    ``loss`` and ``loss_scale`` have the shape of the unreduced loss (that of ``y_pred``,
    or ``(n_samples,)`` for the multi-class losses); ``grad`` and ``grad_scale`` the shape
    of ``y_pred``. All hold mpmath numbers (object arrays). ``row_weight`` is the weight
    of each sample's true class when ``class_weight`` is given (what ``"mean"`` divides
    by), else None.

    ``loss_extent`` and ``grad_extent`` (same shapes, None for ``|loss|`` and ``|grad|``)
    are the magnitudes of the largest quantity of the definition that an algorithm must
    hold as a number of the dtype: the error ``e = y_pred - y_true`` of the regression
    losses, ``e^z`` and ``y z`` of the Poisson loss, the logit differences that meet a
    positive target in the softmax cross-entropy. Where an extent exceeds the dtype's
    range no float algorithm can give the element's value (the fuzz suite then accepts
    an infinity of the right sign). ``grad_slack`` (shape of ``grad``, or None for 0)
    is an absolute allowance for a subgradient evaluated within rounding of a kink: the
    multi-class hinge's margins and argmax are formed from rounded differences, so
    where the exact margin is within that rounding of 0 (or of a tie), either side's
    subgradient is right.
    """

    loss: np.ndarray
    grad: np.ndarray
    loss_scale: np.ndarray
    grad_scale: np.ndarray
    row_weight: np.ndarray | None = None
    loss_extent: np.ndarray | None = None
    grad_extent: np.ndarray | None = None
    grad_slack: np.ndarray | None = None


def exact(x):
    """The exact value of a float (float64 or float32), int or bool, as an mpmath number.

    Integers are rounded to float64 first: DESIGN says integer input becomes float64.
    """
    if isinstance(x, (bool, np.bool_)):
        return mpf(int(x))
    return mpf(float(x))


def exact_array(a):
    a = np.asarray(a)
    out = np.empty(a.shape, dtype=object)
    for index, value in np.ndenumerate(a):
        out[index] = exact(value)
    return out


def sub(a, b):
    """a - b without rounding (mpmath keeps every bit of the difference)."""
    return mp.fsub(a, b, exact=True)


def sigmoid(z):
    """1 / (1 + e^-z), which mpmath evaluates for any z (its exponents do not overflow)."""
    return ONE / (ONE + mp.exp(-z))


def softplus(x):
    """log(1 + e^x)."""
    return mp.log1p(mp.exp(x))


def sign(x):
    return mpf(int(x > 0) - int(x < 0))


# -- regression: functions of the error e = y_pred - y_true ---------------------------------
#
# Scales: an algorithm forms e = y_pred - y_true with one rounding, a relative perturbation
# of e, so the loss is measured against |loss| + |e dloss/de| and the derivative against
# |g| + |e dg/de|. An option rounded to float32 adds |option * d/d option|.


def _mse(e, opts):
    loss = mp.fmul(e, e, exact=True)
    grad = 2 * e
    return loss, grad, loss + abs(e * grad), abs(grad) + abs(2 * e)


def _mae(e, opts):
    # The subgradient at e = 0 is 0 (the docstring's convention).
    loss = abs(e)
    grad = sign(e)
    return loss, grad, 2 * loss, abs(grad)


def _huber(e, opts):
    delta = opts["delta"]
    if abs(e) <= delta:
        loss = mp.fmul(e, e, exact=True) / 2
        grad = e
        d_delta = ZERO
        dgrad_de, dgrad_ddelta = ONE, ZERO
    else:
        loss = delta * (abs(e) - delta / 2)
        grad = delta * sign(e)
        d_delta = abs(e) - delta
        dgrad_de, dgrad_ddelta = ZERO, ONE
    loss_scale = abs(loss) + abs(e * grad) + abs(delta * d_delta)
    grad_scale = abs(grad) + abs(e * dgrad_de) + abs(delta * dgrad_ddelta)
    return loss, grad, loss_scale, grad_scale


def _log_cosh(e, opts):
    # cosh(e) = 1 + e^2/2 + ...: keep 2 * (leading zero digits of e) more digits so that
    # e^2/2 survives next to the 1.
    # (never below the caller's precision: mpmath.diff raises it to differentiate)
    extra = 0 if e == 0 else max(0, -2 * int(mp.floor(mp.log10(abs(e))))) + 10
    with mp.workdps(max(mp.dps, DIGITS) + extra):
        loss = mp.log(mp.cosh(e))
        grad = mp.tanh(e)
        dgrad = 1 - grad * grad if abs(e) < 1 else mp.sech(e) ** 2
        return +loss, +grad, +(abs(loss) + abs(e * grad)), +(abs(grad) + abs(e * dgrad))


def _quantile(e, opts):
    tau = opts["quantile"]
    # tau * max(y - yhat, 0) + (1 - tau) * max(yhat - y, 0); subgradient 0 at e = 0.
    loss = tau * max(-e, ZERO) + (1 - tau) * max(e, ZERO)
    grad = (1 - tau) if e > 0 else (-tau if e < 0 else ZERO)
    d_tau = -e  # d loss / d tau
    return loss, grad, abs(loss) + abs(e * grad) + abs(tau * d_tau), abs(grad) + (tau if e != 0 else ZERO)


def _poisson(y, z, opts):
    """e^z - y z (y a count, z the log-rate); derivative e^z - y.

    The two terms cancel near the minimum z = log y (the loss can be 0 or negative), so
    the value is measured against e^z + |y z| and the derivative against e^z + y: an
    algorithm rounds e^z and y z once each.
    """
    rate = mp.exp(z)
    yz = y * z
    loss = rate - yz
    grad = rate - y
    return loss, grad, rate + abs(yz), rate + y


REGRESSION = {
    "mse": _mse,
    "mae": _mae,
    "huber": _huber,
    "log_cosh": _log_cosh,
    "quantile": _quantile,
}


# -- binary and multi-label -------------------------------------------------------------------


def clip_bounds(eps):
    """The clipping interval [eps, 1 - eps], exactly: 1 - p_clipped is never below eps."""
    eps = exact(eps)
    return eps, sub(ONE, eps)


def _bce(y, p, opts):
    """-(w y log p + (1 - y) log(1 - p)), p clipped; its terms never cancel: scale = |loss|.

    The derivative is w y / p ... with opposite signs: scale = (1 - y)/(1 - p) + w y / p.
    """
    w = opts["pos_weight"]
    low, high = opts["clip"]
    pc = min(max(p, low), high)
    loss = -(w * y * mp.log(pc) + (1 - y) * mp.log(sub(ONE, pc)))
    if low <= p <= high:
        neg = (1 - y) / sub(ONE, p)
        pos = w * y / p
        grad = neg - pos
        grad_scale = neg + pos
    else:
        grad = grad_scale = ZERO
    return loss, grad, abs(loss), grad_scale


def _soft(y):
    """True for a soft target, strictly between 0 and 1."""
    return 0 < y < 1


def _bce_logits(y, z, opts):
    """w y softplus(-z) + (1 - y) softplus(z): two non-negative terms.

    A soft target multiplies the logit (an algorithm may form z y and subtract), so the
    value is measured against |loss| + y |w softplus(-z) - softplus(z)|, its sensitivity to
    y. The derivative (1 - y) sigmoid(z) - w y sigmoid(-z) is sigmoid(z) - y where it
    cancels: it is measured against sigmoid(z) (1 - y + w y) + w y.
    """
    w = opts["pos_weight"]
    sp_pos, sp_neg = softplus(z), softplus(-z)
    loss = w * y * sp_neg + (1 - y) * sp_pos
    p, q = sigmoid(z), sigmoid(-z)
    grad = (1 - y) * p - w * y * q
    loss_scale = abs(loss) + (y * abs(w * sp_neg - sp_pos) if _soft(y) else ZERO)
    # (+ w y subnormal: sigmoid(-z) rounded in the subnormal range is multiplied by pos_weight)
    grad_scale = p * abs(1 - y + w * y) + w * y + w * y * opts["subnormal"]
    return loss, grad, loss_scale, grad_scale


def _hinge(y, f, opts):
    """max(0, 1 - y f) with y in {-1, +1}; subgradient 0 at the kink y f = 1."""
    margin = y * f
    loss = max(ZERO, sub(ONE, margin))
    grad = -y if margin < 1 else ZERO
    return loss, grad, abs(loss), abs(grad)


def _focal(y, z, opts):
    """alpha_t (1 - p_t)^gamma BCE(y, z) (Lin et al. 2017; torchvision's alpha).

    p = sigmoid(z), p_t = p y + (1 - p)(1 - y), alpha_t = alpha y + (1 - alpha)(1 - y)
    (1 without alpha). Derivative (by hand, checked against mpmath.diff):
    alpha_t [gamma u^(gamma-1) p (1-p) (1-2y) BCE + u^gamma (p - y)], u = 1 - p_t.
    Scales as for the BCE with logits, times alpha_t u^gamma.
    """
    gamma, alpha = opts["gamma"], opts["alpha"]
    p, q = sigmoid(z), sigmoid(-z)
    u = p * (1 - y) + q * y  # 1 - p_t
    sp_pos, sp_neg = softplus(z), softplus(-z)
    bce = y * sp_neg + (1 - y) * sp_pos
    bce_scale = bce + (y * abs(sp_neg - sp_pos) if _soft(y) else ZERO)
    alpha_t = ONE if alpha is None else alpha * y + (1 - alpha) * (1 - y)
    mod = ONE if gamma == 0 else u**gamma
    loss = alpha_t * mod * bce
    if gamma == 0:
        slope = ZERO
    else:
        slope = gamma * u ** (gamma - 1) * p * q  # d mod / dz divided by (1 - 2y)
    grad = alpha_t * (slope * (1 - 2 * y) * bce + mod * (p * (1 - y) - y * q))
    loss_scale = alpha_t * mod * bce_scale
    grad_scale = alpha_t * (slope * abs(1 - 2 * y) * bce_scale + mod * (p + y))
    return loss, grad, loss_scale, grad_scale


ELEMENTWISE = {
    **REGRESSION,
    "poisson_nll": _poisson,
    "binary_cross_entropy": _bce,
    "binary_cross_entropy_with_logits": _bce_logits,
    "hinge": _hinge,
    "sigmoid_focal": _focal,
}

# -- multi-class: one row of k scores per sample -------------------------------------------------


def _softmax_ce_row(t, z, opts):
    """-sum_c a_c t'_c log softmax(z)_c with t' = (1 - s) t + s / k.

    Its terms are non-negative, so the value is measured against |loss|, plus its
    sensitivity to the rounding of the logit differences z_j - max(z) that any algorithm
    forms before an exponential (sum_j |g_j| |z_j - max z|), plus, when smoothing, the
    sensitivity to the smoothing option (which float32 rounds). Derivative:
    softmax(z)_j M - a_j t'_j with M = sum_c a_c t'_c, measured against the magnitudes of
    its two terms plus its sensitivity to the same differences,
    M q_j (|z_j - max z| + sum_k q_k |z_k - max z|).
    """
    k = len(z)
    smoothing, a = opts["label_smoothing"], opts["class_weight"]
    a = [ONE] * k if a is None else a
    ts = [(1 - smoothing) * t[c] + smoothing / k for c in range(k)]
    neg_log_q = [mp.log1p(mp.fsum(mp.exp(sub(z[j], z[c])) for j in range(k) if j != c)) for c in range(k)]
    q = [mp.exp(-v) for v in neg_log_q]
    loss = mp.fsum(a[c] * ts[c] * neg_log_q[c] for c in range(k))
    mass = mp.fsum(a[c] * ts[c] for c in range(k))
    grad = [q[j] * mass - a[j] * ts[j] for j in range(k)]
    top = max(z)
    gap = [abs(sub(z[j], top)) for j in range(k)]
    spread = mp.fsum(q[j] * gap[j] for j in range(k))
    # (+ mass * subnormal: a softmax that underflows to a subnormal, off by up to half its
    # spacing, is then multiplied by the class weights)
    grad_scale = [q[j] * mass + a[j] * ts[j] + mass * q[j] * (gap[j] + spread) + mass * opts["subnormal"]
                  for j in range(k)]
    loss_scale = loss + mp.fsum(abs(grad[j]) * gap[j] for j in range(k))
    if smoothing:
        loss_scale += smoothing * mp.fsum(a[c] * (ONE / k + t[c]) * neg_log_q[c] for c in range(k))
    row_weight = mp.fsum(a[c] * t[c] for c in range(k))
    # The logit differences that meet a positive target are terms of the value.
    extent = max([loss] + [gap[c] for c in range(k) if a[c] * ts[c] > 0])
    return loss, grad, loss_scale, grad_scale, row_weight, {"loss_extent": extent}


def _categorical_ce_row(t, p, opts):
    """-sum_c t_c log p_c, p clipped: non-negative terms. Derivative -t_c / p_c (0 where clipped)."""
    low, high = opts["clip"]
    loss = ZERO
    grad = []
    for tc, pc in zip(t, p):
        clipped = min(max(pc, low), high)
        loss -= tc * mp.log(clipped)
        grad.append(-tc / pc if low <= pc <= high else ZERO)
    return loss, grad, abs(loss), [abs(g) for g in grad], None


def _multiclass_hinge_row(t, f, opts):
    """Crammer-Singer max(0, max_{j != y} m_j) or Weston-Watkins sum_{j != y} max(0, m_j),
    with the margins m_j = 1 + f_j - f_y; subgradient 0 at a margin of exactly 0 (a
    score margin of exactly 1), and for Crammer-Singer +1 on the first wrong class of
    largest margin (numpy's argmax convention at an exact tie), -1 on the true class.

    An algorithm forms f_j - f_y and adds 1: two roundings, so the value is measured
    against the sum (Weston-Watkins) or the largest (Crammer-Singer) of |f_j - f_y| + |m_j|
    over the margins that may count, and a margin within 2u (|f_j - f_y| + |m_j|) of 0,
    or of the largest margin (Crammer-Singer), may count either way: ``grad_slack``. Where
    every number on the way (f_j - f_y, m_j, f_j + 1, 1 - f_y) is a number of the dtype, no
    order of the operations rounds, and the convention at the kink is checked exactly.
    """
    k = len(f)
    y = t.index(ONE)  # labels and one-hot rows both arrive here as one-hot rows
    u = opts["unit"]
    wrong = [j for j in range(k) if j != y]
    diff = {j: sub(f[j], f[y]) for j in wrong}
    margin = {j: diff[j] + 1 for j in wrong}
    dtype = opts["dtype"]
    err = {j: ZERO if all(_fits(v, dtype) for v in (diff[j], margin[j], f[j] + 1, 1 - f[y]))
           else 2 * u * (abs(diff[j]) + abs(margin[j])) for j in wrong}
    grad = [ZERO] * k
    slack = [ZERO] * k
    if not wrong:  # one class: nothing to beat
        return ZERO, grad, ZERO, [ZERO] * k, None, {"grad_slack": slack}
    if opts["kind"] == "crammer_singer":
        best = max(margin.values())
        first = min(j for j in wrong if margin[j] == best)
        loss = max(ZERO, best)
        if best > 0:
            grad[first], grad[y] = ONE, -ONE
        # the wrong classes a rounded argmax may pick, and whether the hinge is active
        # (margins beyond the dtype's range all round to inf: any of them may be the argmax)
        top = mpf(float(np.finfo(dtype).max))
        near = [j for j in wrong if margin[j] + err[j] >= best - err[first] or margin[j] > top < best]
        unsure = abs(best) <= err[first] != 0  # active or not, within rounding
        if unsure or (best > 0 and len(near) > 1):
            for j in near + ([y] if unsure else []):
                slack[j] = ONE
        loss_scale = max(abs(diff[j]) + abs(margin[j]) for j in near)
    else:
        loss = mp.fsum(max(ZERO, margin[j]) for j in wrong)
        for j in wrong:
            if margin[j] > 0:
                grad[j] = ONE
            if abs(margin[j]) <= err[j] != 0:
                slack[j] = ONE
                slack[y] += 1
        grad[y] = -mp.fsum(grad)
        loss_scale = mp.fsum(abs(diff[j]) + abs(margin[j]) for j in wrong if margin[j] + err[j] > 0)
    return loss, grad, loss_scale, [abs(g) for g in grad], None, {"grad_slack": slack}


MULTICLASS = {
    "softmax_cross_entropy": _softmax_ce_row,
    "categorical_cross_entropy": _categorical_ce_row,
    "multiclass_hinge": _multiclass_hinge_row,
}


def _fits(x, dtype):
    """True if the real number x is a number of the dtype (float64 or float32)."""
    return mpf(float(np.asarray(float(x), dtype=dtype))) == x


def _gaussian(y, mu, s, opts):
    """(s + (y - mu)^2 e^-s) / 2, mu the predicted mean and s the log-variance.

    Derivatives (by hand, checked against mpmath.diff): (mu - y) e^-s for mu and
    (1 - q) / 2 for s, with q = (y - mu)^2 e^-s. Scales: the terms |s|/2 and q/2, plus
    the sensitivity q to the rounding of e = mu - y (q is quadratic in it); for the
    mean's derivative 2 |g| (its own size and the rounding of e) plus e^(-s/2) subnormal
    spacings (the natural evaluation passes through e / sigma, whose rounding in the
    subnormal range is then multiplied by 1 / sigma), for the log-variance's 1/2 + q/2 and q.
    """
    e = sub(mu, y)
    inv_var = mp.exp(-s)
    q = e * e * inv_var
    loss = (s + q) / 2
    g_mu = e * inv_var
    g_s = (1 - q) / 2
    loss_scale = abs(s) / 2 + q / 2 + q
    grad_scale = (2 * abs(g_mu) + mp.exp(-s / 2) * opts["subnormal"], (1 + q) / 2 + q)
    # e, q (a term of the definition), and e / sigma on the way to e / sigma^2, are
    # numbers an algorithm must hold.
    loss_extent = max(abs(loss), abs(e), q)
    grad_extent = (max(abs(g_mu), abs(e), abs(e) * mp.exp(-s / 2)), max(abs(g_s), abs(e), q))
    return loss, (g_mu, g_s), loss_scale, grad_scale, loss_extent, grad_extent


#: Every loss the oracle knows.
NAMES = (*ELEMENTWISE, *MULTICLASS, "gaussian_nll")


def machine_eps(dtype):
    """The clipping eps of the input's dtype: float32's for float32, float64's otherwise."""
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype if dtype == np.float32 else np.float64).eps)


def reference(name, y_true, y_pred, options=None):
    """The exact unreduced loss of lossbook's ``name`` and its derivative, with scales.

    ``y_true`` and ``y_pred`` are the arrays passed to lossbook (their dtype picks the
    clipping eps); ``options`` the loss's keyword options.
    """
    options = dict(options or {})
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    dtype = y_pred.dtype if y_pred.dtype == np.float32 else np.float64
    with mp.workdps(DIGITS):
        opts = _exact_options(name, options, y_pred, dtype)
        if name in MULTICLASS:
            return _multiclass(name, y_true, y_pred, opts)
        if name == "gaussian_nll":
            return _gaussian_nll(y_true, y_pred, opts)
        return _elementwise(name, y_true, y_pred, opts)


def _exact_options(name, options, y_pred, dtype):
    # The dtype's smallest subnormal over its unit roundoff: times k u in the error bound, an
    # absolute error of k subnormal spacings, for the scales that amplify one.
    single = np.dtype(dtype) == np.float32
    opts = {"subnormal": mpf(2) ** (-125 if single else -1021), "unit": mpf(2) ** (-24 if single else -53),
            "dtype": np.dtype(np.float32 if single else np.float64)}
    if name in ("binary_cross_entropy", "categorical_cross_entropy"):
        eps = options.get("eps", machine_eps(dtype))
        opts["clip"] = clip_bounds(eps)
    if name in ("binary_cross_entropy", "binary_cross_entropy_with_logits"):
        pw = options.get("pos_weight")
        pw = 1.0 if pw is None else pw
        opts["pos_weight"] = np.broadcast_to(exact_array(pw), y_pred.shape)
    defaults = {"huber": {"delta": 1.0}, "quantile": {"quantile": 0.5},
                "sigmoid_focal": {"gamma": 2.0, "alpha": None},
                "softmax_cross_entropy": {"label_smoothing": 0.0, "class_weight": None},
                "multiclass_hinge": {"kind": "crammer_singer"}}
    for key, default in defaults.get(name, {}).items():
        value = options.get(key, default)
        if value is None:
            opts[key] = None
        elif key == "class_weight":
            opts[key] = list(exact_array(value))
        elif key == "kind":
            opts[key] = value
        else:
            opts[key] = exact(value)
    return opts


def _elementwise(name, y_true, y_pred, opts):
    fn = ELEMENTWISE[name]
    yt, yp = exact_array(y_true), exact_array(y_pred)
    if name == "hinge" and not np.any(yt == -1):
        yt = np.where(yt == 0, -ONE, yt)  # {0, 1} is read as {-1, +1}
    shape = y_pred.shape
    out = [np.empty(shape, dtype=object) for _ in range(6)]
    for index in np.ndindex(shape):
        element_opts = dict(opts)
        if "pos_weight" in opts:
            element_opts["pos_weight"] = opts["pos_weight"][index]
        if name in REGRESSION:
            e = sub(yp[index], yt[index])
            result = fn(e, element_opts)
            extents = (max(abs(result[0]), abs(e)), max(abs(result[1]), abs(e)))
        else:
            result = fn(yt[index], yp[index], element_opts)
            if name == "poisson_nll":
                rate = mp.exp(yp[index])
                extents = (max(abs(result[0]), rate, abs(yt[index] * yp[index])), max(abs(result[1]), rate))
            else:
                extents = (abs(result[0]), abs(result[1]))
        for array, value in zip(out, result + extents):
            array[index] = value
    return Exact(*out[:4], loss_extent=out[4], grad_extent=out[5])


def _gaussian_nll(y_true, y_pred, opts):
    yt, yp = exact_array(y_true), exact_array(y_pred)
    shape = y_true.shape
    loss, loss_scale, loss_extent = (np.empty(shape, dtype=object) for _ in range(3))
    grad, grad_scale, grad_extent = (np.empty(y_pred.shape, dtype=object) for _ in range(3))
    for index in np.ndindex(shape):
        mu, s = yp[index + (0,)], yp[index + (1,)]
        result = _gaussian(yt[index], mu, s, opts)
        loss[index], loss_scale[index], loss_extent[index] = result[0], result[2], result[4]
        for c in (0, 1):
            grad[index + (c,)] = result[1][c]
            grad_scale[index + (c,)] = result[3][c]
            grad_extent[index + (c,)] = result[5][c]
    return Exact(loss, grad, loss_scale, grad_scale, loss_extent=loss_extent, grad_extent=grad_extent)


def _multiclass(name, y_true, y_pred, opts):
    fn = MULTICLASS[name]
    n, k = y_pred.shape
    yp = exact_array(y_pred)
    if y_true.ndim == 1:
        targets = np.full((n, k), ZERO, dtype=object)
        for i, label in enumerate(y_true):
            targets[i, int(label)] = ONE
    else:
        targets = exact_array(y_true)
    loss, loss_scale = np.empty(n, dtype=object), np.empty(n, dtype=object)
    grad, grad_scale = np.empty((n, k), dtype=object), np.empty((n, k), dtype=object)
    row_weight, loss_extent = np.empty(n, dtype=object), np.empty(n, dtype=object)
    grad_slack = np.full((n, k), ZERO, dtype=object)
    for i in range(n):
        loss[i], grad[i], loss_scale[i], grad_scale[i], row_weight[i], *extra = fn(
            list(targets[i]), list(yp[i]), opts
        )
        extra = extra[0] if extra else {}
        loss_extent[i] = extra.get("loss_extent", abs(loss[i]))
        if "grad_slack" in extra:
            grad_slack[i] = extra["grad_slack"]
    use_rows = name == "softmax_cross_entropy" and opts["class_weight"] is not None
    return Exact(loss, grad, loss_scale, grad_scale, row_weight if use_rows else None,
                 loss_extent=loss_extent, grad_extent=np.abs(grad), grad_slack=grad_slack)
