"""MultiModalInferencer (cmkd_mm.apis) on the tiny demo sets with random-init students: the
predictions equal those of the config's test dataset + model.test_step on the same sample (MFNet
thermal segmentation, xView2 damage pre + post, the LLVIP infrared detector), folders paired by
name, the errors naming files and modalities, and the written drawings and predictions."""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, MODELS, DefaultScope

from cmkd_mm.apis import MultiModalInferencer, check_student_inputs, inferencer_for
from cmkd_mm.apis.inference_pipeline import inference_pipeline
from cmkd_mm.utils.config import load_config, student_config
from ..conftest import ROOT

pytestmark = pytest.mark.usefixtures('single_thread')

CFG = osp.join(ROOT, 'configs')
MFNET_KD = osp.join(CFG, 'demo', 'cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py')
DAMAGE_KD = osp.join(CFG, 'building_damage', 'damage-kd_unet-r18_pre-post_xview2_demo.py')
LLVIP_KD = osp.join(CFG, 'pairs', 'llvip', 'cmkd-adv_faster-rcnn-r50-fpn_rgb-ir-to-ir_llvip.py')
KD1 = osp.join(CFG, 'classification', 'ntire2021', 'kd1_resnet18_eo-to-sar_mavoc2021_demo.py')
STF_DEMO = osp.join(CFG, '_base_', 'stf_demo.py')
TOL = 1e-5


def _student(config, data_root, **dataset):
    """The student config of a distillation config on the demo data."""
    cfg = student_config(load_config(config))
    cfg.test_dataloader.dataset.update(data_root=data_root, **dataset)
    return cfg


def _llvip_student(data_root):
    """The LLVIP infrared student, narrow (the STF demo detector), fixed statistics, small
    input, every box kept (so that a random detector has boxes to compare)."""
    cfg = _student(LLVIP_KD, data_root)
    cfg.merge_from_dict(dict(model=Config.fromfile(STF_DEMO).demo_detector))
    cfg.model.data_preprocessor.modalities = dict(
        rgb=dict(mean=[100.] * 3, std=[50.] * 3), ir=dict(mean=[100.], std=[50.]))
    cfg.model.test_cfg.rcnn.score_thr = 0.
    for transform in cfg.test_dataloader.dataset.pipeline:
        if transform.type == 'MultiModalResize':
            transform.scale = (128, 96)
    return cfg


def _checkpoint(cfg, path, seed=0):
    """Random-init weights of the config's model, saved as a Runner would; the model too."""
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        torch.manual_seed(seed)
        model = MODELS.build(cfg.model).eval()
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), str(path))
    return model, str(path)


def _reference(cfg, model, index):
    """Prediction of the test dataset's sample ``index`` (its own pipeline, labels loaded)."""
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
        with torch.no_grad():
            pred = model.test_step(pseudo_collate([dataset[index]]))[0]
    return pred, dataset.get_data_info(index)['modality_paths']


def _close(a, b):
    assert a.shape == b.shape
    assert float((a.float() - b.float()).abs().max()) <= TOL


@pytest.fixture(scope='module')
def mfnet(mfnet_demo_root, tmp_path_factory):
    cfg = _student(MFNET_KD, mfnet_demo_root)
    model, ckpt = _checkpoint(cfg, tmp_path_factory.mktemp('mfnet') / 'student.pth')
    return cfg, model, ckpt


@pytest.fixture(scope='module')
def damage(xview2_demo_root, tmp_path_factory):
    cfg = _student(DAMAGE_KD, xview2_demo_root, expect_size=None)
    model, ckpt = _checkpoint(cfg, tmp_path_factory.mktemp('damage') / 'student.pth')
    return cfg, model, ckpt


def test_thermal_segmentation_student_equals_the_test_dataset(mfnet):
    cfg, model, ckpt = mfnet
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    assert inferencer.modalities == ['thermal']
    for index in range(2):
        ref, paths = _reference(cfg, model, index)
        assert paths['rgb'] == paths['thermal']  # one RGBA file; only channel 3 is read
        pred = inferencer({'thermal': paths['thermal']}, return_datasamples=True)['predictions']
        _close(pred[0].seg_logits.data, ref.seg_logits.data)
        assert torch.equal(pred[0].pred_sem_seg.data, ref.pred_sem_seg.data)
        assert pred[0].modality_paths == {'thermal': paths['thermal']}
        # a plain path is the same sample for a one-modality model
        plain = inferencer(paths['thermal'])['predictions'][0]['sem_seg']
        np.testing.assert_array_equal(plain, ref.pred_sem_seg.data[0].numpy())


def test_damage_student_pre_post_equals_the_test_dataset(damage):
    cfg, model, ckpt = damage
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    assert inferencer.modalities == ['pre', 'post']
    # no label loading, no targets built from labels
    assert [t['type'] for t in inference_pipeline(cfg, ['pre', 'post'])
            ] == ['LoadModalities', 'PackMultiModalInputs']
    ref, paths = _reference(cfg, model, 0)
    pred = inferencer(dict(paths), return_datasamples=True)['predictions'][0]
    _close(pred.seg_logits.data, ref.seg_logits.data)
    assert torch.equal(pred.pred_sem_seg.data, ref.pred_sem_seg.data)
    assert inferencer.model.dataset_meta['classes'][4] == 'destroyed'  # XView2Dataset's


def test_infrared_detector_student_equals_the_test_dataset(llvip_demo_root, tmp_path):
    cfg = _llvip_student(llvip_demo_root)
    model, ckpt = _checkpoint(cfg, tmp_path / 'student.pth')
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    assert inferencer.modalities == ['ir']
    ref, paths = _reference(cfg, model, 0)
    pred = inferencer({'ir': paths['ir']}, return_datasamples=True)['predictions'][0]
    assert len(ref.pred_instances) > 0
    _close(pred.pred_instances.scores, ref.pred_instances.scores)
    _close(pred.pred_instances.bboxes, ref.pred_instances.bboxes)
    assert torch.equal(pred.pred_instances.labels, ref.pred_instances.labels)
    # written as DetInferencer writes them: preds/<name>.json, drawings in vis/
    out = tmp_path / 'out'
    result = inferencer(paths['ir'], out_dir=str(out))['predictions'][0]
    name = osp.splitext(osp.basename(paths['ir']))[0]
    with open(out / 'preds' / f'{name}.json') as f:
        written = json.load(f)
    assert set(written) == {'labels', 'scores', 'bboxes'}
    np.testing.assert_allclose(written['scores'], ref.pred_instances.scores.numpy(), atol=TOL)
    assert written['scores'] == result['scores']
    drawn = cv2.imread(str(out / 'vis' / f'{name}.png'))
    assert drawn.shape == (48, 64, 3)  # the infrared image's frame


def test_folders_paired_by_name(damage, xview2_demo_root, tmp_path):
    cfg, _, ckpt = damage
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    images = osp.join(xview2_demo_root, 'train', 'images')
    tiles = sorted(f[:-len('_pre_disaster.png')] for f in os.listdir(images) if '_pre_' in f)[:2]
    for phase in ('pre', 'post'):
        os.makedirs(tmp_path / phase)
        for tile in tiles:
            shutil.copy(
                osp.join(images, f'{tile}_{phase}_disaster.png'), tmp_path / phase / f'{tile}.png')
    folders = {m: str(tmp_path / m) for m in ('pre', 'post')}
    got = inferencer(folders, return_datasamples=True, batch_size=2)['predictions']
    assert [osp.basename(p.modality_paths['post']) for p in got] == [f'{t}.png' for t in tiles]
    for tile, pred in zip(tiles, got):  # each pair as one sample
        one = inferencer({
            m: osp.join(f, f'{tile}.png')
            for m, f in folders.items()
        },
                         return_datasamples=True)['predictions'][0]
        _close(pred.seg_logits.data, one.seg_logits.data)
    os.remove(tmp_path / 'post' / f'{tiles[1]}.png')
    partner = osp.join(folders['pre'], f'{tiles[1]}.png')
    with pytest.raises(FileNotFoundError) as error:
        inferencer(folders)
    assert osp.join(folders['post'], tiles[1]) in str(error.value)
    assert partner in str(error.value)


def test_missing_modality_names_the_sample_and_what_the_model_reads(damage):
    cfg, _, ckpt = damage
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    with pytest.raises(KeyError, match=r"'pre': 'a.png'.*\['pre'\].*\['pre', 'post'\]"):
        inferencer({'pre': 'a.png'})
    with pytest.raises(ValueError, match=r"b.png: a plain path.*\['pre', 'post'\]"):
        inferencer('b.png')


def _write(path, channels, dtype=np.uint8):
    img = np.full((32, 32, channels), 7, dtype)
    assert cv2.imwrite(str(path), img[..., 0] if channels == 1 else img)
    return str(path)


def test_wrong_channel_count_and_bit_depth_name_the_file(damage, tmp_path):
    cfg, _, ckpt = damage
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    good = _write(tmp_path / 'good.png', 3)
    grey = _write(tmp_path / 'grey.png', 1)
    deep = _write(tmp_path / 'deep.png', 3, np.uint16)
    with pytest.raises(
            ValueError,
            match=r'grey.png: modality "pre" must have 3 channel\(s\), '
            r'the file gives 1'):
        inferencer({'pre': grey, 'post': good})
    with pytest.raises(
            ValueError, match=r'deep.png: modality "post" expects a 8-bit image.*'
            r'16-bit'):
        inferencer({'pre': good, 'post': deep})


def test_student_inputs_give_the_spec(mfnet, tmp_path):
    """A config's student_inputs decide what is read and checked, in the inferencer as in
    check_student_inputs (the check of plain configs)."""
    cfg, _, ckpt = mfnet
    cfg = cfg.copy()
    cfg.student_inputs = dict(thermal=dict(num_channels=1, bit_depth=8))
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    assert inferencer.specs == dict(thermal=dict(num_channels=1, bit_depth=8))
    grey, rgb = _write(tmp_path / 'grey.png', 1), _write(tmp_path / 'rgb.png', 3)
    assert inferencer(grey)['predictions'][0]['sem_seg'].shape == (32, 32)
    with pytest.raises(ValueError, match=r'rgb.png: modality "thermal" must have 1 channel'):
        inferencer(rgb)
    deep = _write(tmp_path / 'deep.png', 1, np.uint16)
    plain = Config(dict(student_inputs=dict(ir=dict(num_channels=1, bit_depth=8))))
    assert [s.paths for s in check_student_inputs(plain, grey)] == [{'ir': grey}]
    with pytest.raises(ValueError, match=r'rgb.png: modality "ir" must have 1 channel'):
        check_student_inputs(plain, {'ir': rgb})
    with pytest.raises(ValueError, match=r'deep.png: modality "ir" expects a 8-bit image'):
        check_student_inputs(plain, [grey, deep])
    with pytest.raises(KeyError, match='no "student_inputs"'):
        check_student_inputs(Config(dict()), grey)


def test_drawings_and_label_maps_written(mfnet, tmp_path):
    cfg, _, ckpt = mfnet
    root = cfg.test_dataloader.dataset.data_root
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    images = osp.join(root, 'images')
    names = sorted(osp.splitext(f)[0] for f in os.listdir(images))[:2]
    result = inferencer([osp.join(images, f'{n}.png') for n in names], out_dir=str(tmp_path))
    for name, pred in zip(names, result['predictions']):
        written = cv2.imread(str(tmp_path / 'preds' / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(written, pred['sem_seg'])
        assert pred['pred_path'] == str(tmp_path / 'preds' / f'{name}.png')
        assert cv2.imread(str(tmp_path / 'vis' / f'{name}.png')).shape == (48, 64, 3)
    assert result['visualization'] == []
    out = tmp_path / 'none'
    drawn = inferencer(
        osp.join(images, f'{names[0]}.png'),
        out_dir=str(out),
        no_save_vis=True,
        no_save_pred=True,
        return_vis=True)
    assert not out.exists() and drawn['visualization'][0].shape == (48, 64, 3)


def test_distillation_config_uses_the_student_weights_strictly(mfnet, tmp_path):
    cfg, _, ckpt = mfnet
    state = torch.load(ckpt, weights_only=False)['state_dict']
    distill = load_config(MFNET_KD)
    distill.test_dataloader.dataset.data_root = cfg.test_dataloader.dataset.data_root
    kd_ckpt = str(tmp_path / 'kd.pth')
    torch.save(
        dict(state_dict={
            **{
                f'architecture.{k}': v
                for k, v in state.items()
            }, 'teacher.x': torch.zeros(1)
        }), kd_ckpt)
    image = osp.join(
        cfg.test_dataloader.dataset.data_root, 'images',
        sorted(os.listdir(osp.join(cfg.test_dataloader.dataset.data_root, 'images')))[0])
    got = inferencer_for(distill, kd_ckpt, device='cpu')
    assert isinstance(got, MultiModalInferencer)
    got.show_progress = False
    want = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    a = got(image, return_datasamples=True)['predictions'][0]
    b = want(image, return_datasamples=True)['predictions'][0]
    assert torch.equal(a.seg_logits.data, b.seg_logits.data)
    partial = str(tmp_path / 'partial.pth')
    torch.save(dict(state_dict={k: v for k, v in state.items() if 'decode_head' not in k}), partial)
    with pytest.raises(KeyError, match='does not fit the model'):
        MultiModalInferencer(cfg, partial, device='cpu')


def test_sar_classifier_student_equals_the_test_dataset(mavoc_demo_root, tmp_path):
    cfg = _student(KD1, mavoc_demo_root)
    cfg.model.data_preprocessor.modalities = dict(
        sar=dict(mean=[90.], std=[25.]), eo=dict(mean=[90.], std=[25.]))
    model, ckpt = _checkpoint(cfg, tmp_path / 'student.pth')
    inferencer = MultiModalInferencer(cfg, ckpt, device='cpu', show_progress=False)
    # the EO resize of the test pipeline is left out with the EO modality
    assert [t['type'] for t in inference_pipeline(cfg, ['sar'])].count('ApplyToModalities') == 1
    ref, paths = _reference(cfg, model, 0)
    pred = inferencer({'sar': paths['sar']}, return_datasamples=True)['predictions'][0]
    _close(pred.pred_score, ref.pred_score)
    result = inferencer(paths['sar'], out_dir=str(tmp_path), resize=96)['predictions'][0]
    name = osp.splitext(osp.basename(paths['sar']))[0]
    with open(tmp_path / 'preds' / f'{name}.json') as f:
        written = json.load(f)
    label = int(ref.pred_score.argmax())
    assert written['pred_label'] == result['pred_label'] == label
    assert written['pred_class'] == inferencer.model.dataset_meta['classes'][label]
    assert min(cv2.imread(str(tmp_path / 'vis' / f'{name}.png')).shape[:2]) == 96
