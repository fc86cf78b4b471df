"""Stage-config edits: options routed to each config's shape, from-scratch, hand-overs, data."""
from mmengine.config import Config

from cmkd_mm.recipes.stage_config import (route_options, set_data_root, set_from_scratch,
                                          set_handover, switch_off_missing_val)


def _plain():
    return Config(
        dict(
            model=dict(
                type='ImageClassifier',
                backbone=dict(
                    type='ResNet',
                    init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34'))),
            val_dataloader=None,
            val_evaluator=None,
            train_dataloader=dict(dataset=dict(data_root='old', ann_file='a.json')),
            load_from='https://example.invalid/model.pth'))


def _distill():
    student = dict(
        type='ImageClassifier',
        backbone=dict(
            type='ResNet', init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')))
    return Config(
        dict(
            model=dict(
                type='CrossModalDistill',
                architecture=student,
                teacher=dict(
                    student,
                    backbone=dict(
                        type='ResNet',
                        init_cfg=[
                            dict(type='InflatedPretrained', checkpoint='x.pth'),
                            dict(type='Constant', val=0, layer='BatchNorm2d')
                        ])),
                teacher_ckpt=None),
            val_dataloader=dict(dataset=dict(data_root='old')),
            val_evaluator=dict(type='M')))


def test_model_options_reach_student_and_teacher_of_a_distillation_config():
    options = {
        'model.backbone.depth': 18,
        'model.teacher_ckpt': 't.pth',
        'model.distiller.distill_losses.loss_sim.detach_norm': False,
        'val_dataloader.batch_size': 4,
        'train_cfg.max_epochs': 2
    }
    plain = route_options(_plain(), options)
    # the plain model gets its keys; not the distillation ones it lacks, nor the switched-off
    # val loader's
    assert plain == {'model.backbone.depth': 18, 'train_cfg.max_epochs': 2}
    distill = route_options(_distill(), options)
    assert distill == {
        'model.architecture.backbone.depth': 18,
        'model.teacher.backbone.depth': 18,
        'model.teacher_ckpt': 't.pth',
        'val_dataloader.batch_size': 4,
        'train_cfg.max_epochs': 2
    }
    with_distiller = _distill()
    with_distiller.model.distiller = dict(distill_losses=dict(loss_sim=dict(type='X')))
    assert route_options(with_distiller,
                         options)['model.distiller.distill_losses.loss_sim.detach_norm'] is False
    cfg = _distill()
    cfg.merge_from_dict(distill)
    assert cfg.model.architecture.backbone.depth == cfg.model.teacher.backbone.depth == 18


def test_from_scratch_turns_off_every_pretrained_init():
    cfg = _plain()
    set_from_scratch(cfg)
    assert cfg.model.backbone.init_cfg is None and cfg.load_from is None
    cfg = _distill()
    set_from_scratch(cfg)
    assert cfg.model.architecture.backbone.init_cfg is None
    # the list keeps its non-pretrained entries
    assert cfg.model.teacher.backbone.init_cfg == [
        dict(type='Constant', val=0, layer='BatchNorm2d')
    ]


def test_handover_into_init_cfg_replaces_the_initialisation():
    cfg = _distill()
    set_handover(cfg, 'model.architecture.init_cfg.checkpoint', 'eo.pth')
    assert cfg.model.architecture.init_cfg == dict(type='Pretrained', checkpoint='eo.pth')
    set_handover(cfg, 'model.teacher_ckpt', 'sar.pth')
    set_handover(cfg, 'load_from', 'x.pth')
    assert cfg.model.teacher_ckpt == 'sar.pth' and cfg.load_from == 'x.pth'


def test_data_root_moves_the_evaluator_ann_file_along():
    cfg = Config(
        dict(
            test_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    dataset=dict(data_root='data/stf/', ann_file='annotations/test.json'))),
            test_evaluator=dict(type='CocoMetric', ann_file='data/stf/annotations/test.json'),
            val_dataloader=None))
    set_data_root(cfg, '/d/demo')
    assert cfg.test_dataloader.dataset.dataset.data_root == '/d/demo'
    assert cfg.test_evaluator.ann_file == '/d/demo/annotations/test.json'


def test_missing_val_data_switches_validation_off(tmp_path):
    cfg = Config(
        dict(
            val_dataloader=dict(dataset=dict(data_root=str(tmp_path))),
            val_cfg=dict(),
            val_evaluator=dict(),
            default_hooks=dict(checkpoint=dict(save_best='auc'))))
    (tmp_path / 'val').mkdir()
    assert switch_off_missing_val(cfg, ['val', 'reference.csv'], 'stage')
    assert cfg.val_dataloader is None and cfg.default_hooks.checkpoint.save_best is None
    (tmp_path / 'reference.csv').write_text('x\n')
    cfg = Config(dict(val_dataloader=dict(dataset=dict(data_root=str(tmp_path)))))
    assert not switch_off_missing_val(cfg, ['val', 'reference.csv'], 'stage')
