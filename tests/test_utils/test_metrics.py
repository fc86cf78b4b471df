"""cmkd_mm.utils.metrics: the scalar metrics of an evaluation, per split."""
import numpy as np
import torch

from cmkd_mm.utils.metrics import scalar_metrics, split_metrics


def test_scalar_metrics_keeps_numbers_only():
    metrics = dict(
        mIoU=41.5,
        count=3,
        tensor=torch.tensor([0.25]),
        array=np.array(2.0),
        flag=True,
        per_class=[1.0, 2.0],
        vector=torch.tensor([1.0, 2.0]),
        name='x')
    out = scalar_metrics(metrics)
    assert out == dict(mIoU=41.5, count=3.0, tensor=0.25, array=2.0)
    assert all(type(v) is float for v in out.values())


def test_split_metrics_prefixes_each_split():
    assert split_metrics(dict(val=dict(mIoU=40.0, classes=['a']), test=None)) == {'val/mIoU': 40.0}
    assert split_metrics(None) == {}
