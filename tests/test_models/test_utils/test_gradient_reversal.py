import torch

from cmkd_mm.models.utils import GradientReversalLayer, gradient_reverse


def test_forward_is_identity_and_gradient_is_reversed_and_scaled():
    torch.manual_seed(0)
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 4, dtype=torch.float64)
    f = lambda t: (torch.sin(t) * w).sum()  # noqa: E731
    y = gradient_reverse(x, 0.3)
    assert torch.equal(y, x)
    f(y).backward()
    # numerical derivative of f at x by central differences (independent of autograd)
    eps, numeric = 1e-6, torch.zeros_like(x)
    for i in range(x.numel()):
        d = torch.zeros_like(x).view(-1)
        d[i] = eps
        d = d.view_as(x)
        numeric.view(-1)[i] = (f(x.detach() + d) - f(x.detach() - d)) / (2 * eps)
    torch.testing.assert_close(x.grad, -0.3 * numeric, rtol=1e-6, atol=1e-8)


def test_module_and_lambda_zero():
    x = torch.ones(2, requires_grad=True)
    GradientReversalLayer(0.0)(x).sum().backward()
    assert torch.count_nonzero(x.grad) == 0
    x.grad = None
    GradientReversalLayer(2.0)(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.full((2, ), -2.0))
