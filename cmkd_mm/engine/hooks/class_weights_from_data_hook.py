"""Class weights computed from the training set the config names, not carried over."""
from typing import Dict, List

import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ...datasets.samplers.class_balanced_sampler import dataset_labels
from ...models.losses.utils import AUTO, inverse_frequency_weights


@HOOKS.register_module()
class ClassWeightsFromDataHook(Hook):
    """Fill every ``class_weight='auto'`` of the model from the training set's class counts.

    Before training, the labels of ``runner.train_dataloader.dataset`` are counted and every
    module of the model whose ``class_weight`` is ``'auto'`` (``LabelMixCrossEntropyLoss``,
    ``ClassWeightedKLDivergence``) gets the inverse-frequency weights of those counts,
    ``w_c = (1 / n_c) / sum_j (1 / n_j)``, the rule the NTIRE 2021 code applies to its own
    training counts. The counts and weights are logged. A class without a training sample
    cannot be weighted this way and is an error naming it. The result depends only on the data,
    so a resumed run gets the same weights.

    Args:
        num_classes (int, optional): Number of classes; default: the dataset's ``classes``.
    """
    priority = 'VERY_HIGH'

    def __init__(self, num_classes: int = None) -> None:
        self.num_classes = num_classes

    @staticmethod
    def auto_modules(model) -> Dict[str, object]:
        """``name -> module`` of every module with ``class_weight == 'auto'``."""
        model = getattr(model, 'module', model)  # DDP
        return {
            name or type(model).__name__: m
            for name, m in model.named_modules()
            if isinstance(getattr(m, 'class_weight', None), str) and m.class_weight == AUTO
        }

    def class_weights(self, dataset) -> List[float]:
        """The weights of ``dataset``'s classes (and log the counts)."""
        labels = dataset_labels(dataset)
        labels = labels[labels >= 0]
        classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        num_classes = self.num_classes or (len(classes) if classes else int(labels.max()) + 1)
        counts = np.bincount(labels, minlength=num_classes)[:num_classes]
        names = list(classes) if classes else [str(c) for c in range(num_classes)]
        empty = [names[c] for c in np.flatnonzero(counts == 0)]
        if empty:
            raise ValueError(
                f"class_weight='auto': the training set has no sample of class(es) {empty}, "
                'so their inverse-frequency weight is undefined. Give class_weight explicitly '
                '(e.g. the original_class_weight of the config) or add samples of those classes.')
        weights = inverse_frequency_weights(counts)
        table = ', '.join(f'{n} {int(c)} -> {w:.4f}' for n, c, w in zip(names, counts, weights))
        print_log(
            f'class weights from the training set ({int(counts.sum())} labelled '
            f'samples; class count -> weight): {table}',
            logger='current')
        return weights

    def before_train(self, runner) -> None:
        modules = self.auto_modules(runner.model)
        if not modules:
            print_log(
                "ClassWeightsFromDataHook: no class_weight='auto' in the model, nothing "
                'to do',
                logger='current')
            return
        weights = self.class_weights(runner.train_dataloader.dataset)
        for module in modules.values():
            module.class_weight = list(weights)
        print_log(f'class weights set in: {", ".join(modules)}', logger='current')
