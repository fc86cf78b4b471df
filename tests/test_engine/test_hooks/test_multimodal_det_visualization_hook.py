"""tools/test.py on a detection config: COCO mAP and --show-dir on RGB and a gated slice."""
import glob
import os.path as osp

import numpy as np
from mmengine.runner import Runner

from cmkd_mm.engine.hooks import to_display
from ...conftest import load_tool, tiny_cfg


def test_to_display_scales_bit_depth_and_greys():
    img = np.full((2, 2, 1), 1023, np.uint16)
    out = to_display(img, bit_depth=10)
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8 and (out == 255).all()


def test_test_tool_prints_coco_map_and_draws_every_modality(stf_demo_root, tmp_path):
    work = str(tmp_path / 'work')
    cfg = tiny_cfg(
        'configs/detection/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo.py',
        stf_demo_root,
        work,
        iters=1)
    Runner.from_cfg(cfg).train()
    ckpt = osp.join(work, 'iter_1.pth')
    root = stf_demo_root
    metrics = load_tool('test.py').main([
        'configs/detection/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo.py', ckpt, '--work-dir',
        work, '--show-dir', 'vis', '--cfg-options', f'test_dataloader.dataset.data_root={root}',
        f'test_evaluator.ann_file={root}/annotations/test_night.json',
        'test_dataloader.batch_size=1', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False', 'model.test_cfg.rcnn.score_thr=0.0'
    ])
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l'):
        # COCO reports -1 for a size range without ground truth
        assert metrics[f'coco/{key}'] == -1. or 0. <= metrics[f'coco/{key}'] <= 1.
    assert 0. <= metrics['coco/bbox_mAP'] <= 1.
    pictures = sorted(osp.basename(p) for p in glob.glob(osp.join(work, '*', 'vis', '*.png')))
    assert len(pictures) == 4  # 2 test frames x (rgb, gated1)
    assert sum(p.endswith('_rgb.png') for p in pictures) == 2
    assert sum(p.endswith('_gated1.png') for p in pictures) == 2
