"""Chain rule: a composite derivative as a product of local ones, by hand against autograd and finite differences."""

from __future__ import annotations

from mlterms.demos.registry import demo
from mlterms.demos.report import Report

H = 1e-6  # the central-difference step


def composite(x):
    """y = exp(sin(x^2)), built as u = x^2, v = sin u, y = exp v (elementwise)."""
    return (x**2).sin().exp()


def composite_grad(x):
    """dy/dx = dy/dv * dv/du * du/dx = exp(v) * cos(u) * 2x, with each factor returned too."""
    u = x**2
    v = u.sin()
    factors = (v.exp(), u.cos(), 2 * x)  # dy/dv, dv/du, du/dx
    return factors[0] * factors[1] * factors[2], factors


def g_map(x):
    """g: R^2 -> R^3, g(x) = (x1 x2, x1 + x2, x1^2)."""
    import torch

    return torch.stack([x[0] * x[1], x[0] + x[1], x[0] ** 2])


def f_map(z):
    """f: R^3 -> R, f(z) = z1 sin z2 + z3^2."""
    return z[0] * z[1].sin() + z[2] ** 2


def jacobians_by_hand(x):
    """J_g(x) (3, 2) and J_f(g(x)) (1, 3) from their formulas; the chain rule: J_{f o g} = J_f J_g (1, 2)."""
    import torch

    z = g_map(x)
    jg = torch.stack(
        [torch.stack([x[1], x[0]]), torch.ones(2, dtype=x.dtype), torch.stack([2 * x[0], 0 * x[0]])]
    )
    jf = torch.stack([z[1].sin(), z[0] * z[1].cos(), 2 * z[2]]).unsqueeze(0)
    return jf, jg


@demo(
    summary="The chain rule: the derivative of a composition is the product of the local derivatives, "
    "dy/dx = dy/dv * dv/du * du/dx; for vector functions, a product of Jacobians. Backprop applies it layer by layer.",
)
def run(r: Report) -> None:
    scalar_chain(r)
    jacobian_chain(r)


def scalar_chain(r: Report) -> None:
    import torch

    s = r.section("y = exp(sin(x^2)): u = x^2, v = sin u, y = exp v")
    x = torch.linspace(-1.5, 1.5, 7, dtype=torch.float64) + 0.1 * torch.randn(7, dtype=torch.float64)  # (7,)
    hand, (dy_dv, dv_du, du_dx) = composite_grad(x)
    leaf = x.clone().requires_grad_()
    composite(leaf).sum().backward()  # elementwise: the gradient of the sum is each dy_i/dx_i
    assert leaf.grad is not None
    fd = (composite(x + H) - composite(x - H)) / (2 * H)
    s.table(
        [
            "x",
            "du/dx = 2x",
            "dv/du = cos u",
            "dy/dv = exp v",
            "product (chain rule)",
            "autograd",
            "central diff.",
        ],
        [[x[i], du_dx[i], dv_du[i], dy_dv[i], hand[i], leaf.grad[i], fd[i]] for i in range(len(x))],
    )
    s.note(
        "Each link only needs its own input: du/dx at x, dv/du at u, dy/dv at v. Multiply them in any order "
        "for scalars; autograd does exactly this, from the output back (reverse mode). Central differences "
        f"(f(x + h) - f(x - h)) / 2h with h = {H:g} are an independent estimate, accurate to about h^2 plus rounding."
    )
    r.check_close("exp(v) cos(u) 2x by hand == autograd", hand, leaf.grad, atol=1e-12)
    r.check_close("chain rule by hand == central differences", hand, fd, atol=1e-7)
    x0 = round(float(torch.empty(()).uniform_(-1.5, 1.5)), 2)
    r.exercise(
        "d-exp-sin-square",
        "y = exp(sin(x^2)): what is dy/dx at this x?",
        float(composite_grad(torch.tensor(x0, dtype=torch.float64))[0]),
        given={"x": x0},
        tolerance=1e-3,
    )


def jacobian_chain(r: Report) -> None:
    import torch

    s = r.section("vectors: g: R^2 -> R^3, f: R^3 -> R, so J_{f o g} (1, 2) = J_f (1, 3) @ J_g (3, 2)")
    x = torch.randn(2, dtype=torch.float64)
    jf, jg = jacobians_by_hand(x)
    hand = jf @ jg  # (1, 2)
    ref_g = torch.autograd.functional.jacobian(g_map, x)  # (3, 2)
    ref = torch.autograd.functional.jacobian(lambda t: f_map(g_map(t)), x).unsqueeze(0)  # (1, 2)
    fd = torch.stack(
        [(f_map(g_map(x + H * e)) - f_map(g_map(x - H * e))) / (2 * H) for e in torch.eye(2, dtype=x.dtype)]
    )
    s.tensor("x", x).tensor("J_g(x), by its formula", jg).tensor("J_f(g(x)), by its formula", jf)
    s.tensor("J_f @ J_g", hand)
    s.note(
        "g(x) = (x1 x2, x1 + x2, x1^2) and f(z) = z1 sin z2 + z3^2. f o g depends on x through "
        "all three z's, so df/dx_j = sum_k df/dz_k dz_k/dx_j: the sum over paths is the matrix product. The order "
        "matters for matrices: J_g @ J_f would be (3, 2) @ (1, 3), which does not even fit."
    )
    r.check_close("J_g by its formula == torch.autograd.functional.jacobian", jg, ref_g, atol=1e-12)
    r.check_close("J_f @ J_g == jacobian of f o g", hand, ref, atol=1e-12)
    r.check_close("J_f @ J_g == central differences", hand.squeeze(0), fd, atol=1e-7)
    paths = [jf[0, k] * jg[k, 0] for k in range(3)]
    s.table(["path", "df/dz_k * dz_k/dx1"], [[f"x1 -> z{k + 1} -> f", float(p)] for k, p in enumerate(paths)])
    r.check_close("sum over the three paths x1 -> z_k -> f == df/dx1", sum(paths), ref[0, 0], atol=1e-12,
                  kind="property")  # fmt: skip
    r.exercise(
        "jacobian-shape",
        "g: R^5 -> R^4 and f: R^4 -> R^3. What shape is the Jacobian of f o g?",
        [3, 5],
    )
