"""Whether two configs test on the same data: the identity of a config's test split."""
import os.path as osp
from typing import List

from mmengine.config import Config

from ..utils.config import type_name

# What makes a test split the same data (besides the dataset type): its files and subsets.
DATA_KEYS = ('data_root', 'ann_file', 'split', 'splits', 'data_prefix', 'holdout', 'indices',
             'split_file', 'label_file', 'layout', 'modality_dirs')
PATH_KEYS = ('data_root', 'ann_file', 'split_file', 'label_file')


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def split_identity(cfg: Config) -> dict:
    """What identifies the config's test data: dataset type and files (paths resolved), and
    the evaluator's annotation file."""

    def identity(ds):
        if not isinstance(ds, dict):
            return None
        out = dict(type=type_name(ds))
        root = ds.get('data_root') or ''
        for key in DATA_KEYS:
            value = ds.get(key)
            if value is None:
                continue
            if key in PATH_KEYS and isinstance(value, str):  # files: relative to data_root
                value = osp.normpath(
                    osp.abspath(osp.join(root if key != 'data_root' else '', value)))
            out[key] = _plain(value)
        if ds.get('dataset') is not None:
            out['dataset'] = identity(ds['dataset'])
        if ds.get('datasets') is not None:
            out['datasets'] = [identity(d) for d in ds['datasets']]
        return out

    split = dict(dataset=identity((cfg.get('test_dataloader') or {}).get('dataset')))
    evaluators = cfg.get('test_evaluator') or []
    evaluators = [evaluators] if isinstance(evaluators, dict) else list(evaluators)
    ann_files = [
        osp.normpath(osp.abspath(e['ann_file'])) for e in evaluators
        if isinstance(e, dict) and e.get('ann_file')
    ]
    if ann_files:
        split['evaluator ann_file'] = ann_files
    return split


def split_differences(cfg_a: Config, cfg_b: Config) -> List[str]:
    """How the test splits of two configs differ (empty: the same data)."""

    def flat(node, prefix=''):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                out.update(flat(value, f'{prefix}.{key}' if prefix else key))
            return out
        return {prefix: node}

    a, b = flat(split_identity(cfg_a)), flat(split_identity(cfg_b))
    return [
        f'{k}: {a.get(k)!r} vs {b.get(k)!r}' for k in sorted(set(a) | set(b))
        if a.get(k) != b.get(k)
    ]
