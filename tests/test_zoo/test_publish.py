"""publish_model: training state and teacher stripped, the sha256 prefix in the name."""
import hashlib
import os.path as osp

import torch

from cmkd_mm.zoo import expected_hash, publish_checkpoint
from ..conftest import load_tool


def _ckpt(tmp_path):
    path = tmp_path / 'epoch_8.pth'
    torch.save(
        dict(
            meta=dict(epoch=8, cfg='x', message_hub=dict(a=1)),
            state_dict={
                'architecture.backbone.w': torch.ones(2),
                'teacher.backbone.w': torch.zeros(2),
                'distiller.d.w': torch.zeros(1)
            },
            optimizer=dict(state={}),
            param_schedulers=[dict(a=1)]), path)
    return str(path)


def test_publish_strips_and_names_by_hash(tmp_path):
    out, digest, configs = publish_checkpoint(_ckpt(tmp_path), str(tmp_path / 'model_20261201.pth'))
    assert configs is None
    assert osp.basename(out) == f'model_20261201-{digest[:8]}.pth'
    assert hashlib.sha256(open(out, 'rb').read()).hexdigest() == digest
    assert expected_hash(out) == digest[:8]
    ckpt = torch.load(out, weights_only=False)
    assert set(ckpt) == {'meta', 'state_dict'}
    assert list(ckpt['state_dict']) == ['backbone.w']
    assert ckpt['meta']['epoch'] == 8 and 'message_hub' not in ckpt['meta']


def test_tool_keeps_the_teacher_on_request(tmp_path, capsys):
    tool = load_tool('model_converters/publish_model.py')
    out = tool.main([_ckpt(tmp_path), str(tmp_path / 'algo'), '--keep-teacher'])
    assert len(torch.load(out, weights_only=False)['state_dict']) == 3
    assert 'sha256' in capsys.readouterr().out


def test_publish_writes_the_released_configs(tmp_path, rgbd_demo_root, capsys):
    """With the training config, the released student gets its configs, named like it: the
    statistics are in them (not in the checkpoint), and the plain one names no cmkd_mm part."""
    from mmengine.config import Config

    from ..test_deployment.test_plain_config import RGBD, distilled_student
    _, ckpt = distilled_student(RGBD, rgbd_demo_root, str(tmp_path))
    tool = load_tool('model_converters/publish_model.py')
    out = tool.main(
        [ckpt, str(tmp_path / 'rgbd_student'), '--config',
         str(tmp_path / 'distill.py')])
    stem = out[:-4]
    assert not any(k.startswith('data_preprocessor.') for k in torch.load(out)['state_dict'])
    plain = Config.fromfile(stem + '_mmseg.py')
    assert plain.model.data_preprocessor.type == 'SegDataPreProcessor'
    assert plain.model.data_preprocessor.mean == Config.fromfile(
        stem + '.py').model.data_preprocessor.modalities.depth.mean
    assert 'MMSegInferencer' in capsys.readouterr().out
