"""mIoU in the MFNet/RTFNet/CEKD convention, overall and per subset (e.g. day/night)."""
import os.path as osp
import warnings
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from PIL import Image
from prettytable import PrettyTable


@METRICS.register_module()
class SegIoUMetric(IoUMetric):
    """mIoU and mean recall from a confusion matrix, overall and for every subset.

    Each sample adds its ``num_classes x num_classes`` confusion matrix (rows: ground truth,
    columns: prediction; pixels labelled ``ignore_index`` left out). The metric reports, in
    percent, ``aAcc``, ``mIoU``, ``mRecall`` and per class ``IoU.<class>`` and
    ``Recall.<class>``, where recall = true positives / ground-truth pixels of the class (mmseg's
    ``Acc``). When data samples carry ``metainfo[subset_key]`` (``MFNetDataset`` tags its test
    samples ``'day'``/``'night'``), the same keys are reported for each subset with the prefix
    ``'<subset>/'``. A per-class table is logged for the whole set and for each subset.

    Args:
        ignore_index (int): Label of pixels left out of the evaluation. Defaults to 255.
        include_unlabeled (bool): True (MFNet/RTFNet/CEKD): the means are over all classes,
            "unlabeled" included. False (RTFNet's alternative): row and column ``unlabeled_index``
            of the confusion matrix are dropped, so pixels labelled or predicted "unlabeled" count
            for no class, and the means are over the other classes. Defaults to True.
        unlabeled_index (int): Class id of "unlabeled". Defaults to 0.
        nan_to_zero (bool): A class with neither ground truth nor prediction has an undefined
            (NaN) IoU/recall. True counts it as 0, in the per-class values and in the means, as
            CEKD does (``nan_to_num``); False leaves it NaN and averages the others (mmseg's
            ``nanmean``). Defaults to True.
        subset_key (str): Metainfo key of the subset a sample belongs to. Defaults to
            ``'subset'``.
        iou_metrics (sequence[str]): Only ``['mIoU']`` is supported; accepted so configs written
            for mmseg's ``IoUMetric`` keep working. Defaults to ``('mIoU', )``.
        collect_device (str): Device used to collect results across ranks, ``'cpu'`` or
            ``'gpu'``. Defaults to ``'cpu'``.
        output_dir (str, optional): Folder to write each prediction as ``<image name>.png``, as
            mmseg's ``IoUMetric`` does. Defaults to None.
        format_only (bool): Only write the predictions (no ground truth needed). Defaults to
            False.
        prefix (str, optional): Prefix added to the metric names. Defaults to None.
    """

    def __init__(self,
                 ignore_index: int = 255,
                 include_unlabeled: bool = True,
                 unlabeled_index: int = 0,
                 nan_to_zero: bool = True,
                 subset_key: str = 'subset',
                 iou_metrics: Sequence[str] = ('mIoU', ),
                 collect_device: str = 'cpu',
                 output_dir: Optional[str] = None,
                 format_only: bool = False,
                 prefix: Optional[str] = None) -> None:
        if isinstance(iou_metrics, str):
            iou_metrics = [iou_metrics]
        if list(iou_metrics) != ['mIoU']:
            raise ValueError(f'SegIoUMetric computes mIoU and mRecall only, got iou_metrics='
                             f'{list(iou_metrics)}; use iou_metrics=["mIoU"] or mmseg IoUMetric '
                             f'for mDice/mFscore.')
        super().__init__(
            ignore_index=ignore_index,
            iou_metrics=['mIoU'],
            collect_device=collect_device,
            output_dir=output_dir,
            format_only=format_only,
            prefix=prefix)
        self.include_unlabeled = include_unlabeled
        self.unlabeled_index = unlabeled_index
        self.nan_to_zero = nan_to_zero
        self.subset_key = subset_key

    def confusion_matrix(self, pred_label: torch.Tensor, label: torch.Tensor,
                         num_classes: int) -> np.ndarray:
        """``num_classes x num_classes`` pixel counts, rows ground truth, columns prediction.

        Pixels labelled ``ignore_index`` or outside ``[0, num_classes)`` are left out, as in
        ``IoUMetric.intersect_and_union``.

        Args:
            pred_label (torch.Tensor): ``H x W`` predicted class ids.
            label (torch.Tensor): ``H x W`` ground-truth class ids.
            num_classes (int): Number of classes.
        """
        pred_label, label = pred_label.flatten().long(), label.flatten().long()
        valid = (label != self.ignore_index) & (label >= 0) & (label < num_classes)
        pred_label, label = pred_label[valid], label[valid]
        if pred_label.numel() and (pred_label.min() < 0 or pred_label.max() >= num_classes):
            raise ValueError(f'{self.__class__.__name__}: predicted class ids span '
                             f'[{int(pred_label.min())}, {int(pred_label.max())}] but '
                             f'dataset_meta["classes"] has {num_classes} classes; the model\'s '
                             f'num_classes must match the dataset classes.')
        counts = torch.bincount(label * num_classes + pred_label, minlength=num_classes**2)
        return counts.reshape(num_classes, num_classes).cpu().numpy().astype(np.int64)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Add the confusion matrix (and subset) of each sample to ``self.results``.

        Args:
            data_batch (dict): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs, ``SegDataSample.to_dict()``.
        """
        num_classes = len(self.dataset_meta['classes'])
        for data_sample in data_samples:
            pred_label = data_sample['pred_sem_seg']['data'].squeeze()
            if not self.format_only:
                label = data_sample['gt_sem_seg']['data'].squeeze().to(pred_label)
                if label.shape != pred_label.shape:
                    raise ValueError(
                        f'{data_sample.get("seg_map_path", "a label map")}: the prediction is '
                        f'{tuple(pred_label.shape)} (h, w), the label {tuple(label.shape)}. '
                        'Predictions come back at the original image size, so the test pipeline '
                        'must load the label at that size: put the label loader after any Resize '
                        "(mmseg's order: load image, Resize, load annotations), or drop the "
                        'Resize from the test pipeline.')
                self.results.append(
                    dict(
                        confusion=self.confusion_matrix(pred_label, label, num_classes),
                        subset=data_sample.get(self.subset_key)))
            if self.output_dir is not None:
                basename = osp.splitext(osp.basename(data_sample['img_path']))[0]
                output_mask = pred_label.cpu().numpy()
                if data_sample.get('reduce_zero_label', False):
                    output_mask = output_mask + 1
                Image.fromarray(output_mask.astype(np.uint8)).save(
                    osp.abspath(osp.join(self.output_dir, f'{basename}.png')))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Metrics of the whole set, then of every subset (keys prefixed ``'<subset>/'``).

        Args:
            results (list[dict]): ``confusion`` and ``subset`` of every sample.

        Returns:
            dict[str, float]: ``aAcc``, ``mIoU``, ``mRecall``, ``IoU.<class>``,
            ``Recall.<class>`` in percent, and the same per subset.
        """
        if self.format_only:
            print_log(f'results are saved to {osp.dirname(self.output_dir)}', logger='current')
            return OrderedDict()
        class_names = list(self.dataset_meta['classes'])
        metrics = self._summarize(sum(r['confusion'] for r in results), class_names, '')
        subsets = sorted({r['subset'] for r in results if r['subset'] is not None})
        for subset in subsets:
            confusion = sum(r['confusion'] for r in results if r['subset'] == subset)
            metrics.update(self._summarize(confusion, class_names, f'{subset}/'))
        return metrics

    def _summarize(self, confusion: np.ndarray, class_names: List[str],
                   key_prefix: str) -> Dict[str, float]:
        """Metrics of one confusion matrix; logs its per-class table."""
        if not self.include_unlabeled:
            if not 0 <= self.unlabeled_index < len(class_names):
                raise ValueError(f'unlabeled_index={self.unlabeled_index} is not a class id of '
                                 f'dataset_meta["classes"] ({len(class_names)} classes); fix '
                                 f'unlabeled_index or use include_unlabeled=True.')
            keep = [i for i in range(len(class_names)) if i != self.unlabeled_index]
            confusion = confusion[np.ix_(keep, keep)]
            class_names = [class_names[i] for i in keep]
        confusion = confusion.astype(np.float64)
        true_pos = np.diag(confusion)
        gt_area, pred_area = confusion.sum(axis=1), confusion.sum(axis=0)
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = true_pos / (gt_area + pred_area - true_pos)
            recall = true_pos / gt_area
            all_acc = true_pos.sum() / confusion.sum()
        if self.nan_to_zero:
            iou, recall, all_acc = (np.nan_to_num(v, nan=0.) for v in (iou, recall, all_acc))
        with warnings.catch_warnings():  # nanmean of an all-NaN array: NaN, no warning
            warnings.simplefilter('ignore', RuntimeWarning)
            metrics = OrderedDict(aAcc=all_acc, mIoU=np.nanmean(iou), mRecall=np.nanmean(recall))
        metrics.update({f'IoU.{name}': v for name, v in zip(class_names, iou)})
        metrics.update({f'Recall.{name}': v for name, v in zip(class_names, recall)})

        table = PrettyTable()
        table.add_column('Class', class_names)
        table.add_column('IoU', np.round(iou * 100, 2))
        table.add_column('Recall', np.round(recall * 100, 2))
        title = f'subset "{key_prefix[:-1]}"' if key_prefix else 'all samples'
        print_log(f'per class results ({title}):', logger='current')
        print_log('\n' + table.get_string(), logger='current')
        return OrderedDict(
            (key_prefix + k, float(np.round(v * 100, 2))) for k, v in metrics.items())
