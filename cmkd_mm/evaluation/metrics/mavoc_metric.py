"""Accuracy, OOD AUROC and the PBVS total of the MAVOC classification challenges."""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS

from ..functional import OOD_SCORES, binary_auroc, confidence_balancing, ood_score, write_submission


@METRICS.register_module()
class MAVOCMetric(BaseMetric):
    """Top-1 and per-class accuracy, OOD AUROC and the PBVS total, with optional submission CSV.

    Each data sample (mmpretrain ``DataSample`` or its ``to_dict()``) gives:

    * ``pred_label`` (the prediction; the argmax of ``pred_score`` when absent, so a
      post-processed label is used as it is), ``pred_score`` (softmax probabilities) and, when
      the head stores them, raw logits under ``logits_key``;
    * ``gt_label``; samples without it or with a negative label (e.g. ``-1``) are unlabeled:
      left out of the accuracies but written to the submission;
    * ``image_id`` (metainfo); without it the file name of ``img_path``, else the sample index;
    * the OOD flag under ``ood_key`` (metainfo, true for out-of-distribution samples).

    Reported keys:

    * ``accuracy/top1`` (percent), ``per_class_accuracy/<class>`` (percent, the recall of every
      class that has labelled samples) and ``mean_class_accuracy`` (percent, their mean). When any
      sample carries an OOD flag, these are computed on the labelled in-distribution samples only
      (samples without a flag then count as in-distribution), as PBVS 2024 scores the accuracy on
      the in-distribution chips.
    * With OOD flags: ``auroc`` (a fraction in ``[0, 1]``) of the OOD score over all samples,
      in-distribution samples being the positives, and
      ``pbvs_total = 0.75 * top-1 accuracy (fraction) + 0.25 * auroc``.

    OOD score (higher = more in-distribution): ``'max_softmax'`` (NJUST-KMG's submitted score;
    from the logits, else from ``pred_score``), ``'energy'`` (``T * logsumexp(logits / T)``) or
    ``'max_logit'``. The last two need the raw logits: mmpretrain's heads only store the softmax
    ``pred_score``, so the model must also store the logits in the data samples under
    ``logits_key``.

    Args:
        ood_score (str): ``'max_softmax'``, ``'energy'`` or ``'max_logit'``.
            Defaults to ``'max_softmax'``.
        energy_temperature (float): ``T`` of the energy score. Defaults to 1.0.
        ood_key (str): Data-sample key of the OOD flag. Defaults to ``'ood'``.
        logits_key (str): Data-sample key of the raw logits. Defaults to ``'pred_logits'``.
        out_dir (str, optional): Folder for ``confusion_matrix.csv`` and ``confusion_matrix.png``
            (rows ground truth, columns prediction, the samples of the accuracy). None writes
            nothing. Defaults to None.
        submission_file (str, optional): Write the submission CSV of all samples here.
            Defaults to None.
        balancing (dict, optional): Apply the NTIRE 2021 post-processing to the predictions
            before scoring and writing them: ``confidence_balancing`` arguments, e.g. the NTIRE 2021
            code's ``dict(k=85, classes=(0, 1, 2, 3))`` (keep the ``k`` most confident predictions
            of each listed class, move the others to their next-best class). Defaults to None.
        with_score (bool): Submission format: False for NTIRE 2021 (``image_id,class_id``), True
            for PBVS 2024 (``image_id,class_id,score`` with the OOD score). Defaults to False.
        collect_device (str): Device used to collect results across ranks, ``'cpu'`` or
            ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix added to the metric names. Defaults to None.
    """

    def __init__(self,
                 ood_score: str = 'max_softmax',
                 energy_temperature: float = 1.0,
                 ood_key: str = 'ood',
                 logits_key: str = 'pred_logits',
                 out_dir: Optional[str] = None,
                 submission_file: Optional[str] = None,
                 balancing: Optional[dict] = None,
                 with_score: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if ood_score not in OOD_SCORES:
            raise ValueError(f'ood_score must be one of {OOD_SCORES}, got {ood_score!r}')
        self.ood_score = ood_score
        self.energy_temperature = energy_temperature
        self.ood_key = ood_key
        self.logits_key = logits_key
        self.out_dir = out_dir
        self.submission_file = submission_file
        self.balancing = dict(balancing) if balancing is not None else None
        self.with_score = with_score

    def _score(self, logits: Optional[torch.Tensor],
               pred_score: Optional[torch.Tensor]) -> Optional[float]:
        """The OOD score of one sample, None when its inputs are missing."""
        if logits is not None:
            logits = torch.as_tensor(logits).detach().cpu().reshape(1, -1)
            return float(ood_score(logits, self.ood_score, self.energy_temperature)[0])
        if self.ood_score == 'max_softmax' and pred_score is not None:
            return float(torch.as_tensor(pred_score).detach().max())
        return None

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the prediction, label, id, OOD flag and OOD score of every sample.

        Args:
            data_batch: A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs (``DataSample`` or its dict).
        """
        for data_sample in data_samples:
            pred_score = data_sample.get('pred_score')
            pred_label = data_sample.get('pred_label')
            if pred_label is None:
                pred_label = torch.as_tensor(pred_score).detach().argmax()
            gt_label = data_sample.get('gt_label')
            gt_label = torch.as_tensor(gt_label).flatten() if gt_label is not None else []
            image_id = data_sample.get('image_id')
            if image_id is None and data_sample.get('img_path') is not None:
                image_id = osp.basename(data_sample.get('img_path'))
            ood = data_sample.get(self.ood_key)
            self.results.append(
                dict(
                    pred_label=int(torch.as_tensor(pred_label).flatten()[0]),
                    gt_label=int(gt_label[0]) if len(gt_label) else -1,
                    num_classes=None if pred_score is None else len(pred_score),
                    pred_score=None if self.balancing is None else
                    torch.as_tensor(pred_score).detach().cpu().numpy(),
                    image_id=image_id,
                    ood=None if ood is None else bool(ood),
                    score=self._score(data_sample.get(self.logits_key), pred_score)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the metrics and write the optional files.

        Args:
            results (list[dict]): What :meth:`process` kept, for all samples.

        Returns:
            dict[str, float]: See the class docstring.
        """
        pred = np.array([r['pred_label'] for r in results], dtype=np.int64)
        if self.balancing is not None:
            # log-probabilities rank the classes of a sample as its logits do
            log_probs = np.log(np.clip(np.stack([r['pred_score'] for r in results]), 1e-30, None))
            pred, moved = confidence_balancing(log_probs, **self.balancing)
            print_log(f'confidence balancing moved {moved} predictions', logger='current')
        gt = np.array([r['gt_label'] for r in results], dtype=np.int64)
        has_ood = any(r['ood'] is not None for r in results)
        in_dist = np.array([not r['ood'] for r in results], dtype=bool)
        scores = [r['score'] for r in results]
        if (has_ood or (self.submission_file and self.with_score)) and None in scores:
            raise ValueError(f'MAVOCMetric(ood_score={self.ood_score!r}) needs the raw logits '
                             f'under data-sample key {self.logits_key!r} (mmpretrain heads '
                             f"store only the softmax 'pred_score'); use "
                             f"ood_score='max_softmax' or store the logits.")

        metrics = dict()
        evaluated = (gt >= 0) & in_dist
        accuracy = None
        if evaluated.any():
            accuracy = float((pred[evaluated] == gt[evaluated]).mean())
            metrics['accuracy/top1'] = 100 * accuracy
            class_names = self._class_names(results, pred, gt)
            per_class = []
            for index, name in enumerate(class_names):
                of_class = evaluated & (gt == index)
                if of_class.any():
                    per_class.append(100 * float((pred[of_class] == index).mean()))
                    metrics[f'per_class_accuracy/{name}'] = per_class[-1]
            metrics['mean_class_accuracy'] = float(np.mean(per_class))
            if self.out_dir is not None:
                self._save_confusion_matrix(pred[evaluated], gt[evaluated], class_names)
        if has_ood:
            auroc = binary_auroc(np.array(scores, dtype=np.float64), in_dist)
            metrics['auroc'] = auroc
            if accuracy is not None:
                metrics['pbvs_total'] = 0.75 * accuracy + 0.25 * auroc
        if self.submission_file is not None:
            image_ids = [
                i if r['image_id'] is None else r['image_id'] for i, r in enumerate(results)
            ]
            write_submission(self.submission_file, image_ids, pred,
                             scores if self.with_score else None)
            print_log(f'MAVOC submission written to {self.submission_file}', logger='current')
        return metrics

    def _class_names(self, results: List[dict], pred: np.ndarray, gt: np.ndarray) -> List[str]:
        """``dataset_meta['classes']``, else the class indices as strings."""
        if self.dataset_meta and self.dataset_meta.get('classes'):
            return [str(name) for name in self.dataset_meta['classes']]
        num_classes = max([r['num_classes'] or 0 for r in results] +
                          [int(pred.max()) + 1, int(gt.max()) + 1])
        return [str(i) for i in range(num_classes)]

    def _save_confusion_matrix(self, pred: np.ndarray, gt: np.ndarray,
                               class_names: List[str]) -> None:
        """Write ``confusion_matrix.csv`` and ``confusion_matrix.png`` to ``out_dir``."""
        num = len(class_names)
        valid = (pred >= 0) & (pred < num) & (gt < num)
        confusion = np.bincount(gt[valid] * num + pred[valid], minlength=num * num)
        confusion = confusion.reshape(num, num)
        os.makedirs(self.out_dir, exist_ok=True)
        with open(osp.join(self.out_dir, 'confusion_matrix.csv'), 'w', newline='') as file:
            writer = csv.writer(file)
            writer.writerow(['gt\\pred'] + class_names)
            for name, row in zip(class_names, confusion):
                writer.writerow([name] + row.tolist())
        plot_confusion_matrix(confusion, class_names, osp.join(self.out_dir,
                                                               'confusion_matrix.png'))


def plot_confusion_matrix(confusion: np.ndarray, class_names: Sequence[str], path: str) -> None:
    """Save a heat map of a confusion matrix with the counts written in the cells.

    The colour is the row-normalised value (recall per ground-truth class). Uses matplotlib
    when it is installed, else draws the picture with OpenCV.

    Args:
        confusion (np.ndarray): ``C x C`` counts, rows ground truth, columns prediction.
        class_names (Sequence[str]): Name of every class.
        path (str): Output ``.png`` file.
    """
    rows = confusion.sum(axis=1, keepdims=True)
    normalized = confusion / np.maximum(rows, 1)
    num = len(class_names)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        _plot_confusion_matrix_cv2(confusion, normalized, class_names, path)
        return
    size = max(4.0, 0.6 * num + 2)
    figure = Figure(figsize=(size, size))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.imshow(normalized, cmap='Blues', vmin=0, vmax=1)
    axes.set_xticks(range(num), class_names, rotation=45, ha='right')
    axes.set_yticks(range(num), class_names)
    axes.set_xlabel('prediction')
    axes.set_ylabel('ground truth')
    for i in range(num):
        for j in range(num):
            axes.text(
                j,
                i,
                str(confusion[i, j]),
                ha='center',
                va='center',
                color='white' if normalized[i, j] > 0.5 else 'black',
                fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _plot_confusion_matrix_cv2(confusion: np.ndarray, normalized: np.ndarray,
                               class_names: Sequence[str], path: str) -> None:
    """OpenCV fallback of :func:`plot_confusion_matrix` (class indices as axis labels)."""
    import cv2
    cell, margin, num = 48, 40, len(class_names)
    image = np.full((margin + num * cell, margin + num * cell, 3), 255, np.uint8)
    for i in range(num):
        for j in range(num):
            shade = int(255 * (1 - normalized[i, j]))
            top_left = (margin + j * cell, margin + i * cell)
            bottom_right = (top_left[0] + cell - 1, top_left[1] + cell - 1)
            cv2.rectangle(image, top_left, bottom_right, (255, shade, shade), -1)
            color = (255, 255, 255) if normalized[i, j] > 0.5 else (0, 0, 0)
            cv2.putText(image, str(confusion[i, j]), (top_left[0] + 4, top_left[1] + 30),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.45, color, 1)
        cv2.putText(image, str(i), (8, margin + i * cell + 30), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1)
        cv2.putText(image, str(i), (margin + i * cell + 16, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1)
    cv2.imwrite(path, image)
