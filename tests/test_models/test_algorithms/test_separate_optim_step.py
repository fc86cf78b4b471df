"""One backward pass, then every optimizer of an OptimWrapperDict steps its own parameters."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from torch import nn

from cmkd_mm.models.algorithms.separate_optim_step import (separate_optim_context,
                                                           separate_train_step, update_separate)


class _TwoParts(BaseModel):

    def __init__(self):
        super().__init__()
        self.architecture = nn.Linear(2, 2)
        self.distiller = nn.Linear(2, 1)
        self.forwards = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.forwards += 1
        return dict(loss=self.distiller(self.architecture(inputs)).pow(2).mean())


def _wrappers(model, distiller_lr=0.1):
    return OptimWrapperDict(
        architecture=OptimWrapper(torch.optim.SGD(model.architecture.parameters(), lr=0.1)),
        distiller=OptimWrapper(torch.optim.SGD(model.distiller.parameters(), lr=distiller_lr)))


def test_each_optimizer_steps_its_own_parameters_after_one_backward():
    torch.manual_seed(0)
    model = _TwoParts()
    wrappers = _wrappers(model, distiller_lr=0.)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    log = separate_train_step(model, dict(inputs=torch.rand(4, 2)), wrappers, model._run_forward)
    assert set(log) == {'loss'} and model.forwards == 1
    after = model.state_dict()
    assert not torch.equal(after['architecture.weight'], before['architecture.weight'])
    assert torch.equal(after['distiller.weight'], before['distiller.weight'])  # lr 0
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())  # zeroed


def test_update_separate_is_one_backward_then_every_step():
    model = _TwoParts()
    wrappers = _wrappers(model)
    loss = model(torch.rand(3, 2))['loss']
    before = [p.clone() for p in model.parameters()]
    update_separate(loss, wrappers)
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_mixed_precision_is_refused():
    model = _TwoParts()
    wrappers = _wrappers(model)
    amp = AmpOptimWrapper.__new__(AmpOptimWrapper)  # the type is what is refused
    wrappers = OptimWrapperDict(architecture=wrappers['architecture'], distiller=amp)
    with pytest.raises(NotImplementedError, match='AmpOptimWrapper'):
        separate_optim_context(model, wrappers)
