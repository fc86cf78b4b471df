"""Normalisation statistics measured on the training set the config names, not carried over."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import DATASETS, HOOKS
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from ...datasets.pipeline_inspection import loading_only
from ...models.data_preprocessors.multimodal_data_preprocessor import MultiModalDataPreprocessor


class _Moments(Dataset):
    """Index -> ``{modality: (count, sum, sum of squares)}`` per channel of one sample."""

    def __init__(self, dataset, indices, names) -> None:
        self.dataset, self.indices, self.names = dataset, indices, names

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        results = self.dataset.prepare_data(int(self.indices[i]))
        out = {}
        for name in self.names:
            if name not in results:
                raise KeyError(f'modality "{name}" is not loaded by the training pipeline '
                               f'(have {results.get("modalities")})')
            img = np.asarray(results[name], dtype=np.float64)  # H x W (x C)
            img = img.reshape(-1, img.shape[2] if img.ndim == 3 else 1)
            out[name] = (img.shape[0], img.sum(0), np.square(img).sum(0))
        return out


@HOOKS.register_module()
class ModalityStatsFromDataHook(Hook):
    """Measure the per-channel mean and std of every ``'auto'`` modality on the training set.

    Before training, every sample of ``train_dataloader.dataset`` (or ``max_samples`` of them,
    evenly spaced) goes through the loading part of its pipeline (no augmentation, no resizing)
    and the pixels of each modality are pooled per channel, in the units the loader gives (0-255
    for 8-bit chips). The result goes into every ``MultiModalDataPreprocessor`` of the model
    whose ``modalities`` name it ``'auto'`` and is logged; the preprocessor saves it in every
    checkpoint. A resumed run already holds the statistics of its checkpoint and keeps them.

    This is how the NTIRE 2021 code's normalisation constants are obtained; that code's own
    numbers stay in the configs as ``original_modality_stats``.

    Args:
        max_samples (int, optional): Measure on this many evenly spaced samples; default: all.
        num_workers (int): Data loading processes. Defaults to 0.
    """
    priority = 'VERY_HIGH'

    def __init__(self, max_samples: Optional[int] = None, num_workers: int = 0) -> None:
        self.max_samples = max_samples
        self.num_workers = num_workers

    @staticmethod
    def preprocessors(model):
        """Every ``MultiModalDataPreprocessor`` of ``model`` with an ``'auto'`` modality."""
        model = getattr(model, 'module', model)  # DDP
        return [
            m for m in model.modules()
            if isinstance(m, MultiModalDataPreprocessor) and m.auto_modalities
        ]

    def measure(self, dataset_cfg: dict, names: Sequence[str]) -> Tuple[Dict, int, int]:
        """Measure on a dataset config.

        Args:
            dataset_cfg (dict): The training dataset's config.
            names (Sequence[str]): Modalities to measure.

        Returns:
            tuple: ``{name: (mean list, std list)}``, samples used, samples in the dataset.
        """
        dataset = DATASETS.build(loading_only(dataset_cfg))
        n = len(dataset)
        indices = np.arange(n) if not self.max_samples or self.max_samples >= n else \
            np.unique(np.linspace(0, n - 1, self.max_samples).round().astype(int))
        loader = DataLoader(
            _Moments(dataset, indices, names), batch_size=None, num_workers=self.num_workers)
        total = {}
        for moments in tqdm(
                loader, total=len(indices), unit='sample', disable=None,
                desc='modality statistics'):
            for name, (count, s, sq) in moments.items():
                s, sq = np.asarray(s, np.float64), np.asarray(sq, np.float64)
                if name in total and total[name][1].shape != s.shape:
                    raise ValueError(f'modality "{name}" has {total[name][1].size} channel(s) '
                                     f'in some samples and {s.size} in others; load it with '
                                     'a fixed channel count (channels=..., to_gray=...)')
                c0, s0, sq0 = total.get(name, (0, 0., 0.))
                total[name] = (c0 + int(count), s0 + s, sq0 + sq)
        stats = {}
        for name, (count, s, sq) in total.items():
            mean = s / count
            std = np.sqrt(np.maximum(sq / count - mean**2, 0.))
            if np.any(std == 0):
                raise ValueError(f'modality "{name}": a channel is constant over the training '
                                 f'set (std 0), so it cannot be normalised by its std; give '
                                 'dict(mean=..., std=...) for it')
            stats[name] = (mean.tolist(), std.tolist())
        return stats, len(indices), n

    def before_train(self, runner) -> None:
        todo = [
            p for p in self.preprocessors(runner.model) if any(
                getattr(p, f'{m}_mean').numel() == 0 for m in p.auto_modalities)
        ]
        if not todo:
            return
        names = sorted({m for p in todo for m in p.auto_modalities})
        stats, used, n = self.measure(runner.cfg.train_dataloader.dataset, names)
        for p in todo:
            for name in p.auto_modalities:
                p.set_stats(name, *stats[name])
        table = '; '.join(f'{name} mean {np.round(m, 4).tolist()} std {np.round(s, 4).tolist()}'
                          for name, (m, s) in stats.items())
        print_log(
            f'modality statistics from the training set ({used} of {n} samples, '
            f'native units): {table}',
            logger='current')
