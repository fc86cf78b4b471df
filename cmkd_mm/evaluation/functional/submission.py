"""MAVOC submission CSV files (NTIRE 2021 and PBVS 2024 formats)."""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from .arrays import ArrayLike, to_numpy


def write_submission(path: str,
                     image_ids: Sequence,
                     class_ids: ArrayLike,
                     scores: Optional[ArrayLike] = None) -> None:
    """Write a MAVOC submission CSV.

    NTIRE 2021: header ``image_id,class_id``; PBVS 2024 (with ``scores``): header
    ``image_id,class_id,score``. One row per sample in the given order; the image ids are written
    as given (``str(id)``: the NTIRE 2021 code writes the number of ``EO_<id>.png``, the NJUST-KMG
    code the file name ``Gotcha<id>.png``), the class ids as integers and the scores with ``repr``
    precision.

    Args:
        path (str): Output file; its folder is created.
        image_ids (Sequence): Image id of every sample.
        class_ids (ArrayLike): Predicted class of every sample.
        scores (ArrayLike, optional): Per-sample confidence / in-distribution score.
            Defaults to None.
    """
    if isinstance(image_ids, (np.ndarray, torch.Tensor)):
        image_ids = to_numpy(image_ids).ravel().tolist()
    class_ids = to_numpy(class_ids).ravel()
    columns = [list(image_ids), [int(c) for c in class_ids]]
    header = ['image_id', 'class_id']
    if scores is not None:
        columns.append([float(s) for s in to_numpy(scores, np.float64).ravel()])
        header.append('score')
    if len({len(c) for c in columns}) != 1:
        raise ValueError(f'write_submission: columns of different lengths '
                         f'{[len(c) for c in columns]}')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, 'w', newline='') as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(zip(*columns))


def read_submission(path: str) -> Dict[str, List]:
    """Read a submission CSV written by :func:`write_submission` (or by the original code).

    Args:
        path (str): The CSV file.

    Returns:
        dict[str, list]: ``'image_id'`` (strings), ``'class_id'`` (ints) and, for the 2024
        format, ``'score'`` (floats).
    """
    with open(path, newline='') as file:
        rows = list(csv.DictReader(file))
    result = dict(
        image_id=[row['image_id'] for row in rows], class_id=[int(row['class_id']) for row in rows])
    if rows and 'score' in rows[0]:
        result['score'] = [float(row['score']) for row in rows]
    return result
