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
    out, digest = publish_checkpoint(_ckpt(tmp_path), str(tmp_path / 'model_20261201.pth'))
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
