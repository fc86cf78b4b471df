"""MultiModalSegVisualizationHook: modality | prediction | ground truth pictures of test samples
(by default the modalities the model predicts from, as the test pipeline loads them)."""
import os.path as osp
from types import SimpleNamespace
from unittest.mock import MagicMock

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from cmkd_mm.datasets import MFNetDataset
from cmkd_mm.engine.hooks import MultiModalSegVisualizationHook
from cmkd_mm.utils.evaluation_config import visualization_hook_args

PALETTE = np.array(MFNetDataset.METAINFO['palette'], np.uint8)
H, W = 48, 64


@pytest.fixture(scope='module', autouse=True)
def visualizer():
    return SegLocalVisualizer.get_instance('test_multimodal_seg_visualization_hook')


def runner(tmp_path):
    fake = MagicMock()
    fake.work_dir, fake.timestamp, fake.iter = str(tmp_path), 't', 0
    fake.test_dataloader.dataset.metainfo = MFNetDataset.METAINFO
    fake.val_dataloader.dataset.metainfo = MFNetDataset.METAINFO
    return fake


def labels(shape=(H, W)):
    pred = np.zeros(shape, np.int64)
    pred[:, :shape[1] // 2] = 1  # car on the left half
    pred[shape[0] // 4:shape[0] // 2, 3 * shape[1] // 4:] = 2  # a person on the right
    gt = np.full(shape, 3, np.int64)  # bike
    gt[:, -shape[1] // 8:] = 8  # bump on the right
    gt[:shape[0] // 8] = 255  # ignored rows at the top
    return pred, gt


def data_sample(root, pred, gt, name='00006D'):
    path = osp.join(root, 'images', name + '.png')
    ds = SegDataSample(
        metainfo=dict(img_path=path, ori_shape=(H, W), modality_paths=dict(rgb=path, thermal=path)))
    ds.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
    ds.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])
    return ds


def read_rgb(path):
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)[..., ::-1]


def test_test_picture_has_thermal_prediction_and_gt_panels(mfnet_demo_root, tmp_path):
    hook = MultiModalSegVisualizationHook(draw=True, test_out_dir='vis')
    pred, gt = labels()
    fake = runner(tmp_path)
    hook.after_test_iter(fake, 0, {}, [data_sample(mfnet_demo_root, pred, gt)])
    hook.after_test_iter(fake, 1, {}, [data_sample(mfnet_demo_root, pred, gt, '00007N')])
    out_dir = osp.join(str(tmp_path), 't', 'vis')  # joined with work_dir/timestamp once
    picture = read_rgb(osp.join(out_dir, '00006D.png'))
    assert picture.shape == (H, 3 * W, 3)
    assert osp.isfile(osp.join(out_dir, '00007N.png'))

    bgra = cv2.imread(osp.join(mfnet_demo_root, 'images', '00006D.png'), cv2.IMREAD_UNCHANGED)
    assert bgra.shape == (H, W, 4)
    thermal = bgra[..., 3]
    assert (picture[:, :W] == thermal[..., None]).all()
    assert thermal.std() > 0  # a real picture, not a constant

    middle, right = picture[:, W:2 * W], picture[:, 2 * W:]
    assert (middle == PALETTE[pred]).all()
    assert (middle[0, 0] == PALETTE[1]).all() and (middle[H // 3, W - 1] == PALETTE[2]).all()
    assert (right[:H // 8] == 0).all()  # ignore (255) drawn black
    assert (right[H // 8:] == PALETTE[gt[H // 8:]]).all()
    assert (right[H // 2, 0] == PALETTE[3]).all() and (right[H // 2, W - 1] == PALETTE[8]).all()


def test_prediction_of_another_size_is_resized_nearest(mfnet_demo_root, tmp_path):
    hook = MultiModalSegVisualizationHook(draw=True, test_out_dir='vis')
    small_pred, _ = labels((H // 2, W // 2))
    pred, gt = labels()
    hook.after_test_iter(runner(tmp_path), 0, {}, [data_sample(mfnet_demo_root, small_pred, gt)])
    picture = read_rgb(osp.join(str(tmp_path), 't', 'vis', '00006D.png'))
    assert picture.shape == (H, 3 * W, 3)
    assert (picture[:, W:2 * W] == PALETTE[np.repeat(np.repeat(small_pred, 2, 0), 2, 1)]).all()


def test_other_modality_options_and_bad_options(mfnet_demo_root, tmp_path):
    hook = MultiModalSegVisualizationHook(
        draw=True, test_out_dir='vis', modality='rgb', modality_cfg=dict(channels=[0, 1, 2]))
    pred, gt = labels()
    hook.after_test_iter(runner(tmp_path), 0, {}, [data_sample(mfnet_demo_root, pred, gt)])
    picture = read_rgb(osp.join(str(tmp_path), 't', 'vis', '00006D.png'))
    bgra = cv2.imread(osp.join(mfnet_demo_root, 'images', '00006D.png'), cv2.IMREAD_UNCHANGED)
    assert (picture[:, :W] == bgra[..., [2, 1, 0]]).all()

    # several modalities, one panel each (xView2: pre | post | prediction | ground truth)
    hook = MultiModalSegVisualizationHook(
        draw=True,
        test_out_dir='vis2',
        modality=['rgb', 'thermal'],
        modality_cfg=dict(channels=[0, 1, 2]))
    hook.after_test_iter(runner(tmp_path), 0, {}, [data_sample(mfnet_demo_root, pred, gt)])
    picture = read_rgb(osp.join(str(tmp_path), 't', 'vis2', '00006D.png'))
    assert picture.shape == (H, 4 * W, 3)
    assert (picture[:, W:2 * W] == bgra[..., [2, 1, 0]]).all()
    assert (picture[:, 2 * W:3 * W] == PALETTE[pred]).all()

    hook = MultiModalSegVisualizationHook(draw=True, modality='gated')
    with pytest.raises(KeyError, match='gated'):
        hook.after_test_iter(runner(tmp_path), 0, {}, [data_sample(mfnet_demo_root, pred, gt)])
    hook = MultiModalSegVisualizationHook(draw=True, modality_cfg=dict(channels=[4]))
    with pytest.raises(ValueError, match=r'00006D\.png: has 4 channel'):
        hook.after_test_iter(runner(tmp_path), 0, {}, [data_sample(mfnet_demo_root, pred, gt)])


def test_val_interval_show_and_draw_off(mfnet_demo_root, tmp_path):
    pred, gt = labels()
    samples = [data_sample(mfnet_demo_root, pred, gt)]
    hook = MultiModalSegVisualizationHook(draw=True, interval=2)
    hook._visualizer = MagicMock()
    hook.after_val_iter(runner(tmp_path), 0, {}, samples)
    hook.after_val_iter(runner(tmp_path), 1, {}, samples)  # every 2nd batch: index 1
    assert hook._visualizer.add_image.call_count == 1
    name, picture = hook._visualizer.add_image.call_args.args[:2]
    assert name == 'val_00006D' and picture.shape == (H, 3 * W, 3)

    hook = MultiModalSegVisualizationHook(draw=True, show=True)
    hook._visualizer = MagicMock()
    hook.after_test_iter(runner(tmp_path), 0, {}, samples)
    assert hook._visualizer.show.call_args.args[0].shape == (H, 3 * W, 3)

    hook = MultiModalSegVisualizationHook(draw=False, test_out_dir='off')
    hook.after_test_iter(runner(tmp_path), 0, {}, samples)
    assert not osp.exists(osp.join(str(tmp_path), 't', 'off'))


def test_show_dir_goes_to_the_hooks_test_out_dir():
    accepted = visualization_hook_args('MultiModalSegVisualizationHook', 'mmseg')
    assert {'draw', 'show', 'wait_time', 'test_out_dir'} <= accepted


def model(views, student_view=None):
    """A model whose MultiModalDataPreprocessor has ``views`` (the first is its meta view)."""
    preprocessor = SimpleNamespace(views=views, meta_view=next(iter(views)))
    return SimpleNamespace(data_preprocessor=preprocessor, student_view=student_view)


def run_with(tmp_path, net, specs):
    """A runner of ``net`` whose test pipeline loads ``specs`` (LoadModalities)."""
    fake = runner(tmp_path)
    fake.model = net
    fake.cfg = dict(
        test_dataloader=dict(
            dataset=dict(pipeline=[dict(type='LoadModalities', modalities=specs)])))
    return fake


MFNET_SPECS = dict(
    rgb=dict(channels=[0, 1, 2], bit_depth=8), thermal=dict(channels=[3], bit_depth=8))


def test_default_draws_the_predicting_view_as_the_pipeline_loads_it(mfnet_demo_root, tmp_path):
    pred, gt = labels()
    bgra = cv2.imread(osp.join(mfnet_demo_root, 'images', '00006D.png'), cv2.IMREAD_UNCHANGED)
    distill = model(dict(student=['thermal'], teacher=['rgb', 'thermal']), student_view='student')

    # a student: its sensor, as the pipeline reads it (the thermal channel of the RGBA file):
    # the picture the MFNet configs drew before, with the thermal default
    hook = MultiModalSegVisualizationHook(draw=True, test_out_dir='student')
    fake = run_with(tmp_path, distill, MFNET_SPECS)
    hook.before_run(fake)
    assert hook.modalities == dict(thermal=dict(channels=[3], bit_depth=8))
    hook.after_test_iter(fake, 0, {}, [data_sample(mfnet_demo_root, pred, gt)])
    student = read_rgb(osp.join(str(tmp_path), 't', 'student', '00006D.png'))
    default = MultiModalSegVisualizationHook(draw=True).draw_sample(
        data_sample(mfnet_demo_root, pred, gt), PALETTE)
    assert (student == default).all()

    # a teacher: each of its sensors, one panel each
    hook = MultiModalSegVisualizationHook(draw=True, test_out_dir='teacher')
    fake = run_with(tmp_path, model(dict(teacher=['rgb', 'thermal'])), MFNET_SPECS)
    hook.before_run(fake)
    hook.after_test_iter(fake, 0, {}, [data_sample(mfnet_demo_root, pred, gt)])
    picture = read_rgb(osp.join(str(tmp_path), 't', 'teacher', '00006D.png'))
    assert picture.shape == (H, 4 * W, 3)
    assert (picture[:, :W] == bgra[..., [2, 1, 0]]).all()
    assert (picture[:, W:2 * W] == bgra[..., 3:]).all()
    assert (picture[:, 2 * W:3 * W] == PALETTE[pred]).all()

    # an explicit modality (and its options) is drawn whatever the model
    hook = MultiModalSegVisualizationHook(draw=True, modality='thermal')
    hook.before_run(fake)
    assert hook.modalities == dict(thermal=dict(channels=[3], bit_depth=8))
    hook = MultiModalSegVisualizationHook(draw=True, modality_cfg=dict(channels=[0]))
    hook.before_run(fake)
    assert hook.modalities == dict(rgb=dict(channels=[0]), thermal=dict(channels=[0]))

    # a model without a MultiModalDataPreprocessor: the thermal channel of an MFNet file
    hook = MultiModalSegVisualizationHook(draw=True)
    hook.before_run(run_with(tmp_path, SimpleNamespace(), MFNET_SPECS))
    assert hook.modalities == dict(thermal=dict(channels=[3], bit_depth=8))


def test_default_shows_a_16_bit_modality_at_its_bit_depth(tmp_path):
    depth = np.zeros((H, W), np.uint16)
    depth[:, W // 2:] = 65535
    depth[:H // 2, :W // 2] = 65535 // 3
    path = str(tmp_path / 'depth.png')
    cv2.imwrite(path, depth)
    pred, gt = labels()
    sample = SegDataSample(
        metainfo=dict(img_path=path, ori_shape=(H, W), modality_paths=dict(depth=path)))
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(pred)[None])
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt)[None])

    hook = MultiModalSegVisualizationHook(draw=True)
    hook.before_run(
        run_with(tmp_path, model(dict(student=['depth'])),
                 dict(depth=dict(num_channels=1, bit_depth=16))))
    assert hook.modalities == dict(depth=dict(bit_depth=16))
    picture = hook.draw_sample(sample, PALETTE)
    assert picture.shape == (H, 3 * W, 3)
    assert (picture[:, W // 2:W] == 255).all()
    assert (picture[:H // 2, :W // 2] == 85).all() and (picture[H // 2:, :W // 2] == 0).all()
