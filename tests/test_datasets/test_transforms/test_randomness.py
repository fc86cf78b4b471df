"""Whether a transform is random is decided by what it draws, not by its ``prob``: each
declaration is checked against what the transform does (runs under different random states
give different outputs, or not), and the teacher-cache check refuses ``prob=1`` draws."""
import copy
import inspect
import random

import numpy as np
import pytest
from mmengine.registry import TRANSFORMS

import cmkd_mm.datasets.transforms as cmkd_transforms
from cmkd_mm.datasets.pipeline_inspection import is_random, random_for
from cmkd_mm.datasets.transforms import RandomDraws

pytestmark = pytest.mark.usefixtures('mmseg_scope')

SSR = 'MultiModalShiftScaleRotate'
# (config, random?) judged by what the transform does.
CASES = [
    (dict(type=SSR, angle=10., prob=1.0), True),  # the issue: prob=1 draws an angle every time
    (dict(type=SSR, shift=3., prob=1.0), True),
    (dict(type=SSR, angle=10., prob=0.), False),
    (dict(type=SSR, prob=1.0), False),  # nothing to draw: the identity warp
    (dict(type='MultiModalRandomRotate', prob=1.0, degree=20.), True),
    (dict(type='MultiModalRandomRotate', prob=1.0, degree=0.), False),
    (dict(type='MultiModalRandomRot90', prob=1.0), True),
    (dict(type='MultiModalRandomRot90', prob=0.), False),
    (dict(type='ReplaceModality', src='a', dst='b', prob=1.0), False),  # always replaces
    (dict(type='ReplaceModality', src='a', dst='b', prob=0.5), True),
    (dict(type='MultiModalRandomFlip', prob=1.0, direction='vertical'), False),
    (dict(type='MultiModalRandomFlip', prob=1.0, direction=['vertical', 'horizontal']), True),
    (dict(type='MultiModalRandomCrop', crop_size=(5, 4)), True),
    (dict(type='XView2ContentCrop', crop_size=6, prob=0.), True),  # positions are drawn
]


def sample():
    rng = np.random.default_rng(0)
    return dict(
        modalities=['a', 'b'],
        ref_modality='a',
        a=rng.integers(0, 255, (12, 16, 3)).astype(np.uint8),
        b=rng.integers(0, 255, (12, 16, 3)).astype(np.uint8),
        gt_seg_map=rng.integers(0, 3, (12, 16)).astype(np.uint8),
        gt_loc_map=rng.integers(0, 2, (12, 16)).astype(np.uint8),  # XView2ContentCrop's score
        img_shape=(12, 16))


def outputs_differ(cfg: dict, runs: int = 12) -> bool:
    """Whether the transform gives different pixels for the same sample across random states."""
    transform = TRANSFORMS.build(copy.deepcopy(cfg))
    seen = set()
    for state in range(runs):
        random.seed(state)
        np.random.seed(state)
        out = transform(sample())
        seen.add(b''.join(out[k].tobytes() for k in ('a', 'b', 'gt_seg_map')))
    return len(seen) > 1


@pytest.mark.parametrize('cfg, expected', CASES, ids=lambda c: str(c))
def test_declared_randomness_is_what_the_transform_does(cfg, expected):
    assert outputs_differ(cfg) is expected  # the independent reference
    assert is_random(cfg) is expected


def test_every_cmkd_transform_that_draws_declares_what():
    """A transform whose code calls ``random`` declares ``random_draws``; the others do not."""
    for name in cmkd_transforms.__all__:
        cls = getattr(cmkd_transforms, name)
        if not (inspect.isclass(cls) and hasattr(cls, 'transform')):
            continue
        draws = 'random.' in inspect.getsource(cls)
        assert isinstance(getattr(cls, 'random_draws', None), RandomDraws) is draws, name


def test_teacher_cache_refuses_a_prob_1_warp_of_the_teacher_modality():
    pipeline = [
        dict(type='LoadModalities', modalities=dict(rgb={}, ir={})),
        dict(type=SSR, angle=10., scale_range=(0.9, 1.1), prob=1.0),
        dict(type='MultiModalRandomFlip', prob=0.5),  # recorded in the cache key
    ]
    assert random_for(pipeline, ['rgb']) == [SSR]
    pipeline[1]['prob'] = 0.
    assert random_for(pipeline, ['rgb']) == []
    # ApplyToModalities: only the modalities it names
    rot = dict(type='ApplyToModalities', modalities=['ir'], transforms=[dict(type=SSR, angle=5.)])
    assert random_for([rot], ['rgb']) == [] and random_for([rot], ['ir']) == [SSR]


def test_upstream_transforms_are_judged_by_their_arguments():
    # mmcv's flip with one direction and prob 1 always flips the same way (inside a block,
    # where the cache key does not record it); two directions are a draw
    flip = dict(type='mmcv.RandomFlip', prob=1.0, direction='horizontal')
    assert not is_random(flip)
    assert is_random(dict(flip, direction=['horizontal', 'vertical']))
    assert is_random(dict(flip, prob=0.5))
    assert not is_random(dict(type='mmcv.RandomGrayscale', prob=1.0))
    # mmseg's RandomRotate draws its angle whatever prob says, unless degree is 0 or prob is 0
    assert is_random(dict(type='mmseg.RandomRotate', prob=1.0, degree=10))
    assert not is_random(dict(type='mmseg.RandomRotate', prob=1.0, degree=0))
    assert not is_random(dict(type='mmseg.RandomRotate', prob=0., degree=10))
    # a transform that declares nothing: prob=1 may still draw (mmdet's Rotate draws its
    # magnitude), only prob=0 is deterministic
    assert is_random(dict(type='mmdet.Rotate', prob=1.0))
    assert not is_random(dict(type='mmdet.Rotate', prob=0.))
    assert is_random(dict(type='mmdet.PhotoMetricDistortion'))
    assert not is_random(dict(type='mmdet.Resize', scale=(8, 8)))


def test_random_draws_rules():
    draws = RandomDraws(prob='prob', ranges=('angle', 'scale'), choices=('direction', ))
    assert draws.is_random(dict(prob=0.5))
    assert not draws.is_random(dict(prob=1.0, angle=0, scale=(1., 1.), direction='h'))
    assert draws.is_random(dict(prob=1.0, angle=-2))
    assert draws.is_random(dict(prob=1.0, scale=(0.9, 1.1)))
    assert draws.is_random(dict(prob=1.0, direction=['h', 'v']))
    assert not draws.is_random(dict(prob=1.0, direction=['h', 'h']))
    assert not draws.is_random(dict(prob=0, angle=10))
    assert draws.is_random(dict(prob=[0.5, 0.5], direction=['h', 'v']))
    assert RandomDraws(always=True).is_random({})
    assert not RandomDraws().is_random(dict(prob=0.5))
