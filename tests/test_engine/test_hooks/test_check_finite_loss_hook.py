"""CheckFiniteLossHook: a NaN loss term stops training by name; the last checkpoint loads."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from torch import nn

import cmkd_mm  # noqa: F401


class BreaksAtIter(BaseModel):
    """A toy model whose second loss term turns NaN at iteration ``at``."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.at, self.calls = at, 0

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.calls += 1
        out = self.linear(inputs).mean()
        fine = out**2
        broken = out * float('nan') if self.calls >= self.at else out.abs()
        return dict(loss_fit=fine, loss_aux=broken)


def test_nan_term_stops_training_and_the_last_checkpoint_loads(tmp_path):
    data = [dict(inputs=torch.randn(2)) for _ in range(8)]
    runner = Runner(
        model=BreaksAtIter(at=3),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=1,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=8),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='CheckFiniteLossHook')],
        default_scope='mmengine')
    with pytest.raises(FloatingPointError, match=r'iteration 3 .*loss_aux = nan.*iter_2.pth'):
        runner.train()
    assert not (tmp_path / 'iter_3.pth').exists()
    model = BreaksAtIter(at=100)
    load_checkpoint(model, str(tmp_path / 'iter_2.pth'), map_location='cpu')
    assert torch.isfinite(model.linear.weight).all()
