"""Which inferencer runs a config, and one way to call any of them.

A *plain* config (its test pipeline loads images with ``LoadImageFromFile``, default scope
mmdet / mmseg / mmpretrain; e.g. a student config written by ``extract_student`` where the
student's input is an ordinary image) runs with the downstream inferencer of its scope
(``DetInferencer``, ``MMSegInferencer``, ``ImageClassificationInferencer``); every other
config with :class:`~cmkd_mm.apis.multimodal_inferencer.MultiModalInferencer`.
:func:`run_inferencer` calls any of them so that drawings go to ``OUT/vis/`` and predictions
to ``OUT/preds/``, as mmdet's ``demo/image_demo.py`` lays them out.
"""
import os.path as osp
from typing import Optional

import mmengine
from mmengine.config import Config
from mmengine.registry import DefaultScope

from ..datasets.pipeline_inspection import config_test_pipeline, transform_name
from ..utils.checkpoint import check_checkpoint_fits as check_fits
from ..utils.config import ConfigLike, is_distillation, load_config
from .inference_inputs import Inputs, image_paths
from .inference_pipeline import is_multimodal_pipeline
from .multimodal_inferencer import MultiModalInferencer

DOWNSTREAM_SCOPES = ('mmdet', 'mmseg', 'mmpretrain')


def is_plain_config(cfg: Config) -> bool:
    """Whether a downstream inferencer runs the config: not a distillation config, default
    scope mmdet / mmseg / mmpretrain, and a test pipeline that loads with
    ``LoadImageFromFile`` (no ``LoadModalities``).

    Args:
        cfg (Config): A loaded config.
    """
    if is_distillation(cfg) or cfg.get('default_scope') not in DOWNSTREAM_SCOPES:
        return False
    try:
        pipeline = config_test_pipeline(cfg)
    except KeyError:
        return False
    loads_image = any(transform_name(t) == 'LoadImageFromFile' for t in pipeline)
    return loads_image and not is_multimodal_pipeline(pipeline)


def inferencer_for(config: ConfigLike,
                   weights: Optional[str] = None,
                   device: Optional[str] = None,
                   cfg_options: Optional[dict] = None):
    """The inferencer of a config: the downstream one for a plain config, else
    :class:`MultiModalInferencer`.

    Args:
        config (str | Config): Config file or loaded config.
        weights (str, optional): Checkpoint.
        device (str, optional): Torch device (default: CUDA when available, else CPU).
        cfg_options (dict, optional): Merged into the config first.

    Returns:
        ``mmdet.apis.DetInferencer`` | ``mmseg.apis.MMSegInferencer`` |
        ``mmpretrain.apis.ImageClassificationInferencer`` | :class:`MultiModalInferencer`
    """
    cfg = load_config(config, cfg_options)
    if not is_plain_config(cfg):
        return MultiModalInferencer(cfg, weights, device=device)
    scope = cfg.default_scope
    # mmpretrain's inferencer builds its pipeline in the current default scope
    with DefaultScope.overwrite_default_scope(scope):
        if scope == 'mmdet':
            from mmdet.apis import DetInferencer
            inferencer = DetInferencer(cfg, weights, device=device)
        elif scope == 'mmseg':
            from mmseg.apis import MMSegInferencer
            inferencer = MMSegInferencer(cfg, weights, device=device)
        else:
            from mmpretrain.apis import ImageClassificationInferencer
            inferencer = ImageClassificationInferencer(
                cfg, pretrained=weights or False, device=device)
    if weights:  # the downstream inferencers load what fits and warn about the rest
        check_checkpoint_fits(inferencer.model, weights)
    return inferencer


def check_checkpoint_fits(model, checkpoint: str) -> None:
    """Refuse a checkpoint that does not fit ``model`` (missing, unexpected or differently
    shaped weights), naming it: a partial load predicts with random weights
    (:func:`cmkd_mm.utils.checkpoint.check_checkpoint_fits`, a
    :class:`~cmkd_mm.utils.checkpoint.CheckpointMismatchError`).

    Args:
        model (nn.Module): The model.
        checkpoint (str): The checkpoint file.
    """
    check_fits(
        model,
        checkpoint,
        target='the model of the config',
        fix='Give the config the checkpoint was extracted with (extract_student writes it '
        'next to the checkpoint).')


def _save_classification(results: list, inputs: list, folder: str) -> None:
    """mmpretrain's inferencer writes no prediction: ``<stem>.json`` per image."""
    mmengine.mkdir_or_exist(folder)
    for path, result in zip(inputs, results):
        name = osp.splitext(osp.basename(path))[0]
        mmengine.dump({
            k: v.tolist() if hasattr(v, 'tolist') else v
            for k, v in result.items()
        }, osp.join(folder, f'{name}.json'))


def run_inferencer(inferencer,
                   inputs: Inputs,
                   out_dir: str = '',
                   batch_size: int = 1,
                   show: bool = False,
                   no_save_vis: bool = False,
                   no_save_pred: bool = False,
                   print_result: bool = False,
                   pred_score_thr: float = 0.3) -> dict:
    """Run any inferencer :func:`inferencer_for` gives with one set of options.

    Args:
        inferencer: The inferencer.
        inputs: What :class:`MultiModalInferencer` takes; for a downstream inferencer, one
            image per sample (:func:`~cmkd_mm.apis.inference_inputs.image_paths`).
        out_dir (str): Drawings go to ``out_dir/vis/`` and predictions to ``out_dir/preds/``
            ('' : nothing written).
        batch_size (int): Samples per forward pass.
        show (bool): Show each drawing in a window.
        no_save_vis (bool): Write no drawing.
        no_save_pred (bool): Write no prediction.
        print_result (bool): Print the predictions.
        pred_score_thr (float): Lowest score of a drawn box (detection; mmdet's default 0.3).

    Returns:
        dict: What the inferencer returns (mmpretrain's list becomes ``predictions``).
    """
    vis_dir = '' if no_save_vis or not out_dir else osp.join(out_dir, 'vis')
    pred_dir = '' if no_save_pred or not out_dir else osp.join(out_dir, 'preds')
    # MultiModalInferencer takes DetInferencer's options
    options = dict(
        batch_size=batch_size,
        out_dir=out_dir,
        show=show,
        no_save_vis=no_save_vis,
        no_save_pred=no_save_pred,
        print_result=print_result,
        pred_score_thr=pred_score_thr)
    if isinstance(inferencer, MultiModalInferencer):
        return inferencer(inputs, **options)
    from mmdet.apis import DetInferencer
    from mmpretrain.apis import ImageClassificationInferencer
    from mmseg.apis import MMSegInferencer
    inputs = image_paths(inputs)
    if isinstance(inferencer, DetInferencer):
        return inferencer(inputs, **options)
    if isinstance(inferencer, MMSegInferencer):
        # MMSegInferencer.__call__ joins both folders to out_dir whenever it is set; its
        # parent's __call__ takes them as they are, so that either can be left out.
        result = super(MMSegInferencer, inferencer).__call__(
            inputs, batch_size=batch_size, show=show, img_out_dir=vis_dir, pred_out_dir=pred_dir)
    elif isinstance(inferencer, ImageClassificationInferencer):
        if vis_dir:
            mmengine.mkdir_or_exist(vis_dir)  # mmpretrain makes the last folder only
        predictions = inferencer(inputs, batch_size=batch_size, show=show, show_dir=vis_dir or None)
        if pred_dir:
            _save_classification(predictions, inputs, pred_dir)
        result = dict(predictions=predictions)
    else:
        raise TypeError(f'{type(inferencer).__name__} is not an inferencer inferencer_for gives')
    if print_result:
        print(result)
    return result
