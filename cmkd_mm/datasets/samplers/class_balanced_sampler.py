"""Sample every class about equally often, with replacement (class-balanced sampling)."""
import math
from typing import Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


def dataset_labels(dataset) -> np.ndarray:
    """The class label of every sample (-1 for unlabelled ones).

    From ``dataset.get_gt_labels()`` (mmpretrain datasets) or the ``gt_label`` of each data
    info.

    Args:
        dataset: A dataset.

    Returns:
        np.ndarray: ``(N, )`` int64 labels.
    """
    if hasattr(dataset, 'get_gt_labels'):
        return np.asarray(dataset.get_gt_labels(), np.int64).reshape(-1)
    return np.asarray(
        [int(dataset.get_data_info(i).get('gt_label', -1)) for i in range(len(dataset))], np.int64)


@DATA_SAMPLERS.register_module()
class ClassBalancedSampler(Sampler):
    """Draw indices with probability ``1 / count(class of the sample)``, with replacement.

    Every class is then drawn about equally often, whatever its size (the imbalanced-dataset
    sampler of the PBVS 2024 NJUST-KMG pipeline). An epoch has ``num_samples`` draws (default:
    the dataset length), split across ranks in distributed training. The draw depends on the
    seed and the epoch only, so it is reproducible and differs from epoch to epoch.

    The labels come from ``dataset.get_gt_labels()`` (mmpretrain datasets) or from the
    ``gt_label`` of each data info; unlabelled samples (``-1``) are never drawn.

    Args:
        dataset (Sized): The dataset.
        num_samples (int, optional): Draws per epoch over all ranks. Default ``len(dataset)``.
        seed (int, optional): Random seed, shared by all ranks. Default: a synchronised random
            seed.
    """

    def __init__(self,
                 dataset: Sized,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        self.dataset = dataset
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        labels = self._labels(dataset)
        valid = labels >= 0
        if not valid.any():
            raise ValueError('ClassBalancedSampler: the dataset has no labelled sample')
        counts = np.bincount(labels[valid])
        weights = np.zeros(len(labels), np.float64)
        weights[valid] = 1.0 / counts[labels[valid]]
        self.weights = torch.from_numpy(weights)
        self.total_size = num_samples or len(dataset)
        self.num_samples = math.ceil(self.total_size / self.world_size)

    @staticmethod
    def _labels(dataset) -> np.ndarray:
        return dataset_labels(dataset)

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        indices = torch.multinomial(
            self.weights, self.num_samples * self.world_size, replacement=True,
            generator=generator).tolist()
        return iter(indices[self.rank::self.world_size])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use another draw in every epoch (called by the training loop)."""
        self.epoch = epoch
