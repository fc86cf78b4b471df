"""Run every sample of a config's splits through the loading part of its pipeline and collect
every problem (not only the first) with its file and reason.

``tools/misc/check_dataset.py`` is the command line. The loading part is the pipeline up to its
last transform that loads or checks data (each transform says so itself: its ``loads`` /
``checks`` attributes, see :mod:`cmkd_mm.datasets.pipeline_inspection`); augmentation, resizing
and packing are left out, so a whole dataset is checked in minutes.
"""
from typing import Dict, List, Optional, Sequence

from mmengine.registry import DATASETS, init_default_scope
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from ..datasets.pipeline_inspection import loading_only
from ..utils.config import load_config


class _Probe(Dataset):
    """Index -> ``(index, None)`` or ``(index, 'reason')`` of one sample."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        try:
            self.dataset.prepare_data(index)
        except Exception as error:  # every problem is collected, none stops the check
            return index, f'{type(error).__name__}: {error}'
        return index, None


def _build_problems(error: Exception) -> List[dict]:
    """The problems of a dataset that cannot be built: one per file when the error lists them
    (its ``problems``: ``dict(file, reason)``, e.g. every stale xView2 mask), else the error."""
    listed = getattr(error, 'problems', None)
    if isinstance(listed, (list, tuple)) and listed and \
            all(isinstance(p, dict) and 'reason' in p for p in listed):
        return [
            dict(index=None, file=p.get('file'), reason=f'{type(error).__name__}: {p["reason"]}')
            for p in listed
        ]
    return [dict(index=None, file=None, reason=f'{type(error).__name__}: {error}')]


def check_split(dataset_cfg: dict, workers: int = 0, progress: bool = True) -> Dict:
    """Check one split.

    Args:
        dataset_cfg (dict): The split's dataset config.
        workers (int): Data loading processes. Defaults to 0.
        progress (bool): Show a progress bar on a terminal. Defaults to True.

    Returns:
        dict: ``samples`` (count), ``problems`` (list of ``dict(index, file, reason)``; a split
        whose dataset cannot be built has problems with ``index`` None: one, or one per file
        its error lists).
    """
    cfg = loading_only(dataset_cfg)
    try:
        dataset = DATASETS.build(cfg)
    except Exception as error:
        return dict(samples=0, problems=_build_problems(error))
    loader = DataLoader(_Probe(dataset), batch_size=None, num_workers=workers)
    problems = []
    for index, reason in tqdm(
            loader, total=len(dataset), unit='sample', disable=None if progress else True):
        if reason is not None:
            info = dataset.get_data_info(int(index))
            problems.append(dict(index=int(index), file=info.get('img_path'), reason=reason))
    return dict(samples=len(dataset), problems=problems)


def check_dataset(config: str,
                  phases: Sequence[str] = ('train', 'val', 'test'),
                  workers: int = 0,
                  cfg_options: Optional[dict] = None,
                  progress: bool = True) -> Dict[str, Dict]:
    """Check the splits of a config; print every problem and a summary per split.

    Args:
        config (str): The config file.
        phases (Sequence[str]): Splits to check (``train``, ``val``, ``test``).
        workers (int): Data loading processes per split.
        cfg_options (dict, optional): Options merged into the config (e.g. a data root).
        progress (bool): Show progress bars.

    Returns:
        dict[str, dict]: :func:`check_split`'s result per split checked.
    """
    cfg = load_config(config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    results = {}
    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if not loader:
            print(f'{phase}: not configured, skipped')
            continue
        print(f'{phase}: checking ...')
        results[phase] = check_split(loader.dataset, workers, progress)
    for phase, result in results.items():
        for problem in result['problems']:
            where = '' if problem['index'] is None else f'sample {problem["index"]}: '
            print(f'{phase}: {where}{problem["reason"]}')
    print('\nsplit | samples | problems')
    for phase, result in results.items():
        print(f'{phase} | {result["samples"]} | {len(result["problems"])}')
    return results
