"""The xView2 demo recipe on tiny xBD-layout data: both teachers train, are tested with the
xView2 score, and the report has its columns."""
import os.path as osp

from mmengine.config import Config

from cmkd_mm.recipes import RecipeRunner

from ..conftest import ROOT

SHORT = {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
         'default_hooks.checkpoint.interval': 1, 'train_dataloader.batch_size': 2}
for _split in ('train', 'val', 'test'):  # the fixture's tiles are 64x64, the demo's 256x256
    SHORT[f'{_split}_dataloader.dataset.expect_size'] = None


def test_xview2_demo_recipe_reports_the_score(xview2_demo_root, tmp_path):
    recipe = Config.fromfile(osp.join(ROOT, 'configs', 'recipes', 'xview2_demo.py'))
    result = RecipeRunner(recipe, work_dir=str(tmp_path), data_root=xview2_demo_root,
                          cfg_options=SHORT).run()
    records = result['runs'][0]
    loc, damage = records['loc']['metrics'], records['damage']['metrics']
    assert set(loc['test']) >= {'localization_f1', 'localization_iou'}
    assert 'score' not in loc['test']
    assert set(damage['test']) >= {'score', 'damage_f1', 'localization_f1',
                                   'damage_f1_minor_damage', 'localization_iou'}
    for value in damage['test'].values():
        assert 0. <= value <= 1.
    assert 'score' in damage['val']
    assert '| Damage teacher (pre + post) |' in result['table']
