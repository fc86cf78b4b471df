"""cmkd_mm.apis.xview2_inference on the tiny generated xBD set with tiny random models: the
submission PNGs of every tile, the score against score_folders, ensembles, unlabeled tiles and
the command line."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from cmkd_mm.apis.xview2_inference import build_model, model_probs, predict_tiles
from cmkd_mm.datasets.transforms import LoadModalities, LoadXView2Masks, PackMultiModalInputs
from cmkd_mm.datasets.xview2 import XView2Dataset
from cmkd_mm.evaluation.functional.xview2_postprocess import submission_maps
from cmkd_mm.evaluation.xview2_score import score_folders
from cmkd_mm.utils import deprecation
from ..conftest import ROOT, load_tool

LOC_CFG = osp.join(ROOT, 'configs', 'building_damage', 'loc-teacher_unet-r18_pre_xview2_demo.py')
DMG_CFG = osp.join(ROOT, 'configs', 'building_damage',
                   'damage-teacher_unet-r18_pre-post_xview2_demo.py')
MODALITIES = dict(pre=dict(num_channels=3, bit_depth=8), post=dict(num_channels=3, bit_depth=8))


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """One localisation and two damage checkpoints of randomly initialised demo models."""
    folder = tmp_path_factory.mktemp('xview2_ckpts')
    paths = {}
    for name, cfg, seed in (('loc', LOC_CFG, 0), ('dmg1', DMG_CFG, 1), ('dmg2', DMG_CFG, 2)):
        torch.manual_seed(seed)
        model = build_model(cfg, None)
        paths[name] = str(folder / f'{name}.pth')
        torch.save(dict(state_dict=model.state_dict()), paths[name])
    return paths


def _tiles(root, split):
    dataset = XView2Dataset(data_root=root, splits=(split, ), pipeline=[])
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def _write_targets(root, split, prefix, folder):
    """The raw LoadXView2Masks maps as the scorer's target PNGs."""
    os.makedirs(folder, exist_ok=True)
    load, masks = LoadModalities(modalities=MODALITIES, same_size=True), LoadXView2Masks()
    for tile in _tiles(root, split):
        results = masks(load(tile))
        for kind, key in (('localization', 'gt_loc_map'), ('damage', 'gt_dmg_map')):
            Image.fromarray(results[key].astype(np.uint8)).save(
                osp.join(folder, f'{prefix}_{kind}_{tile["tile_id"]}_target.png'))


def _check_pngs(out_dir, prefix, tiles, size=(64, 64)):
    names = set()
    for tile in tiles:
        for kind, top in (('localization', 1), ('damage', 4)):
            name = f'{prefix}_{kind}_{tile["tile_id"]}_prediction.png'
            with Image.open(osp.join(out_dir, name)) as image:
                array = np.array(image)
            assert array.dtype == np.uint8 and array.shape == size, name
            assert array.min() >= 0 and array.max() <= top, name
            names.add(name)
    assert set(os.listdir(out_dir)) == names


def test_predict_tiles_writes_every_tile_and_scores_as_score_folders(xview2_demo_root, checkpoints,
                                                                     tmp_path):
    loc = [(LOC_CFG, checkpoints['loc'])]
    dmg = [(DMG_CFG, checkpoints['dmg1']), (DMG_CFG, checkpoints['dmg2'])]
    # the test split (test_{pre,post}_<id>.png naming) with TTA, and without TTA a larger
    # split (one tile without buildings) under the hold prefix
    for split, prefix, tta in (('test', 'test', True), ('train', 'hold', False)):
        out_dir, targets = str(tmp_path / f'pred_{split}'), str(tmp_path / f'gt_{split}')
        scores = predict_tiles(
            loc,
            dmg,
            data_root=xview2_demo_root,
            split=split,
            out_dir=out_dir,
            tta=tta,
            prefix=None if split == 'test' else prefix)
        _check_pngs(out_dir, prefix, _tiles(xview2_demo_root, split))
        _write_targets(xview2_demo_root, split, prefix, targets)
        want = score_folders(out_dir, targets, size=None)
        assert scores['num_tiles'] == want['num_tiles'] == len(_tiles(xview2_demo_root, split))
        assert set(scores) == set(want)
        for key in want:
            assert scores[key] == pytest.approx(want[key], abs=1e-12), key
        assert 0 <= scores['score'] <= 1


def test_damage_only_ensemble_uses_one_minus_background(xview2_demo_root, checkpoints, tmp_path):
    out_dir = str(tmp_path / 'pred')
    predict_tiles((), [(DMG_CFG, checkpoints['dmg1'])],
                  data_root=xview2_demo_root,
                  split='test',
                  out_dir=out_dir,
                  tta=False,
                  thresholds=(0.5, 0.5, 0.5),
                  original_precedence=True)
    tile = _tiles(xview2_demo_root, 'test')[0]
    load = LoadModalities(modalities=MODALITIES, same_size=True)
    packed = PackMultiModalInputs(packer=dict(type='mmseg.PackSegInputs'))(load(tile))
    probs = model_probs(build_model(DMG_CFG, checkpoints['dmg1']), packed, 'damage', tta=False)
    assert probs.shape == (5, 64, 64)
    assert np.allclose(probs.sum(axis=0), 1, atol=1e-5)
    want_loc, want_dmg = submission_maps(
        1 - probs[0], probs, (0.5, 0.5, 0.5), original_precedence=True)
    for kind, want in (('localization', want_loc), ('damage', want_dmg)):
        path = osp.join(out_dir, f'test_{kind}_{tile["tile_id"]}_prediction.png')
        assert np.array_equal(np.array(Image.open(path)), want)


def test_unlabeled_split_gives_no_score_and_the_cli(xview2_demo_root, checkpoints, tmp_path,
                                                    monkeypatch):
    root = tmp_path / 'unlabeled'
    shutil.copytree(osp.join(xview2_demo_root, 'test', 'images'), root / 'test' / 'images')
    tool = load_tool('analysis_tools/xview2_predict.py')
    out_dir = str(tmp_path / 'pred')
    args = [
        '--loc', LOC_CFG, checkpoints['loc'], '--damage', DMG_CFG, checkpoints['dmg1'],
        '--data-root',
        str(root), '--split', 'test', '--out-dir', out_dir, '--no-tta'
    ]
    assert tool.main(args) is None
    _check_pngs(out_dir, 'test', _tiles(str(root), 'test'))
    # labelled: the score is printed and written
    out = str(tmp_path / 'metrics.json')
    scores = tool.main(args[:6] + [
        '--data-root', xview2_demo_root, '--split', 'test', '--out-dir', out_dir, '--thresholds',
        '0.4', '0.2', '0.2', '--original-precedence', '--out', out
    ])
    assert scores['num_tiles'] == 1 and osp.isfile(out)
    # the deprecated --seed-precedence still works, warns once and means --original-precedence
    monkeypatch.setattr(deprecation, 'WARNED', set())
    with pytest.warns(FutureWarning, match="'--seed-precedence' is deprecated"):
        old = tool.parse_args(args + ['--seed-precedence'])
    assert old.original_precedence is True
    assert tool.parse_args(args).original_precedence is False
    with pytest.raises(SystemExit):
        tool.parse_args(['--data-root', 'x', '--out-dir', 'y'])  # no damage model
    with pytest.raises(SystemExit):
        tool.parse_args(
            ['--damage', 'c', 'k', '--data-root', 'x', '--out-dir', 'y', '--split',
             'train'])  # train needs --prefix
    with pytest.raises(ValueError, match='at least one damage model'):
        predict_tiles([(LOC_CFG, checkpoints['loc'])], [],
                      data_root=xview2_demo_root,
                      out_dir=out_dir)
