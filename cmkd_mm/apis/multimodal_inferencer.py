"""One-call inference of a model that reads named modalities (``LoadModalities`` +
``MultiModalDataPreprocessor``): a distilled student whose input no standard loader reads
(MFNet's thermal channel of an RGBA PNG, xView2's pre and post images, a cmkd_mm model class),
or any plain cmkd_mm model config (a teacher, a baseline).

:class:`MultiModalInferencer` behaves like mmdet's ``DetInferencer``, mmseg's
``MMSegInferencer`` and mmpretrain's ``ImageClassificationInferencer``: the inputs go through the
config's test pipeline (without labels, ``inference_pipeline.py``) and ``model.test_step``, the
predictions are drawn by the task's downstream visualizer and returned (and written) in the
downstream inferencer's format (``inference_outputs.py``).
"""
import copy
import os.path as osp
import warnings
from datetime import datetime
from typing import Iterable, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.infer import BaseInferencer
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import VISUALIZERS, DefaultScope, init_default_scope
from mmengine.structures import BaseDataElement
from torch import nn

from ..datasets.pipeline_inspection import dataset_metainfo, transform_name
from ..deployment.onnx_export import load_deployable
from ..engine.hooks.runner_visualizer_mixin import predicted_modalities
from ..utils.config import ConfigLike, is_distillation, load_config, student_config
from .inference_inputs import InferenceSample, Inputs, collect_samples
from .inference_outputs import display_image, inference_task, prediction_dict, save_prediction
from .inference_pipeline import LOADER, inference_pipeline


def _visualizer_class(task: str) -> type:
    if task == 'detection':
        from mmdet.visualization import DetLocalVisualizer
        return DetLocalVisualizer
    if task == 'segmentation':
        from mmseg.visualization import SegLocalVisualizer
        return SegLocalVisualizer
    from mmpretrain.visualization import UniversalVisualizer
    return UniversalVisualizer


def checkpoint_meta(weights: str) -> dict:
    """The ``meta`` of a checkpoint (tensors memory-mapped where the file allows it)."""
    try:
        ckpt = torch.load(weights, map_location='cpu', weights_only=False, mmap=True)
    except RuntimeError:  # the legacy (non-zip) format cannot be memory-mapped
        ckpt = torch.load(weights, map_location='cpu', weights_only=False)
    return dict(ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}


class MultiModalInferencer(BaseInferencer):
    """Predict with a model that reads named modality files.

    Inputs (see :func:`~cmkd_mm.apis.inference_inputs.collect_samples`): ``{modality: path}``
    per sample (``{'thermal': 'x.png'}``, ``{'pre': a, 'post': b}``), a plain path when the
    model reads one modality, a list of those, a folder (one modality) or ``{modality: folder}``
    (files paired by name). Samples are named after their first modality's file stem.

    Example::

        >>> inferencer = MultiModalInferencer('student_thermal.py', 'student_thermal.pth')
        >>> result = inferencer({'thermal': 'scene.png'}, out_dir='outputs')
        >>> # outputs/vis/scene.png (drawing), outputs/preds/scene.png (label map)

    Args:
        model (str | Config): A config whose model reads modalities through
            ``MultiModalDataPreprocessor`` and whose test pipeline starts with
            ``LoadModalities``: a student config (``extract_student``), a plain cmkd_mm model
            config, or a distillation config (its student is used).
        weights (str, optional): Checkpoint; a distillation config's checkpoint gives the
            student's ``architecture.*`` weights. It must fit the model (no partial load).
            None keeps the initial weights (with a warning).
        device (str, optional): Torch device. Default: CUDA when available, else CPU.
        scope (str, optional): Registry scope. Default: the config's ``default_scope``.
        show_progress (bool): Show a progress bar. Defaults to True.

    Attributes:
        modalities (list[str]): The modalities the model reads, in its order.
        specs (dict): Their ``LoadModalities`` specs, as the pipeline reads them.
        task (str): ``'detection'``, ``'segmentation'`` or ``'classification'``.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    # Keyword arguments of __call__ beyond its own parameters, passed on to visualize.
    visualize_kwargs: set = {'draw_pred', 'pred_score_thr', 'opacity', 'resize'}
    postprocess_kwargs: set = set()

    def __init__(self,
                 model: ConfigLike,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: Optional[str] = None,
                 show_progress: bool = True) -> None:
        if not isinstance(model, (str, Config)):
            raise TypeError(f'model must be a config file or a Config, not {type(model).__name__}')
        self._source_cfg = load_config(model)
        cfg = student_config(self._source_cfg) if is_distillation(
            self._source_cfg) else self._source_cfg
        scope = scope or cfg.get('default_scope')
        if scope:
            init_default_scope(scope)
        self.task: Optional[str] = None
        self.modalities: List[str] = []
        super().__init__(
            model=cfg, weights=weights, device=device, scope=scope, show_progress=show_progress)

    def _init_model(self, cfg: Config, weights: Optional[str], device: str = 'cpu') -> nn.Module:
        """The model (a distillation config's student) with its weights: a checkpoint that
        does not fit is refused (``load_deployable``), and ``dataset_meta`` from the
        checkpoint's meta, else the config's test dataset."""
        with DefaultScope.overwrite_default_scope(self.scope):
            model, _ = load_deployable(self._source_cfg, weights)
        modalities = predicted_modalities(model)
        if not modalities:
            raise TypeError(f'{cfg.filename or "the config"}: the model\'s data preprocessor is '
                            f'{type(model.data_preprocessor).__name__}, not a '
                            'MultiModalDataPreprocessor; run a plain config with its '
                            'downstream inferencer (cmkd_mm.apis.inferencer_for picks it).')
        self.modalities = modalities
        self.task = inference_task(model)
        meta = dataset_metainfo(cfg)
        if weights is None:
            warnings.warn('no checkpoint given: the predictions are those of the initial weights')
        else:
            ckpt_meta = checkpoint_meta(weights).get('dataset_meta') or {}
            meta.update({k.lower(): v for k, v in ckpt_meta.items()})
        model.dataset_meta = meta
        model.cfg = cfg
        return revert_sync_batchnorm(model).to(device).eval()

    def _init_pipeline(self, cfg: Config) -> Compose:
        """The config's test pipeline without labels, loading the modalities the model reads."""
        transforms = inference_pipeline(cfg, self.modalities)
        self.specs = next(t['modalities'] for t in transforms if transform_name(t) == LOADER)
        return Compose(transforms)

    def _init_collate(self, cfg: Config):
        """The test dataloader's ``collate_fn`` when it names one, else ``pseudo_collate``
        (as the dataloader)."""
        if (cfg.get('test_dataloader') or {}).get('collate_fn') is None:
            return pseudo_collate
        return super()._init_collate(cfg)

    def _init_visualizer(self, cfg: Config):
        """The config's visualizer when it is the task's downstream one, else a new one."""
        cls = _visualizer_class(self.task)
        name = f'{cls.__name__}-{datetime.timestamp(datetime.now())}'
        visualizer = None
        vis_cfg = cfg.get('visualizer')
        if vis_cfg:
            vis_cfg = dict(copy.deepcopy(vis_cfg), name=name)
            vis_cfg.pop('vis_backends', None)  # drawings are written to out_file
            vis_cfg.pop('save_dir', None)
            built = VISUALIZERS.build(vis_cfg)
            visualizer = built if isinstance(built, cls) else None
        visualizer = visualizer or cls(name=name)
        meta = self.model.dataset_meta
        if self.task == 'segmentation':
            visualizer.set_dataset_meta(meta.get('classes'), meta.get('palette'))
        else:
            visualizer.dataset_meta = dict(meta, palette=meta.get('palette') or 'random')
        return visualizer

    def _inputs_to_list(self, inputs: Inputs) -> List[InferenceSample]:
        return collect_samples(inputs, self.modalities)

    def _results(self, index: int, sample: InferenceSample) -> dict:
        paths = dict(sample.paths)
        return dict(
            modality_paths=paths,
            img_path=paths[self.modalities[0]],
            img_id=sample.name,
            sample=sample.name,
            sample_idx=index)

    def preprocess(self, inputs: List[InferenceSample], batch_size: int = 1, **kwargs) -> Iterable:
        """Yield ``(samples, collated batch)`` of ``batch_size`` samples."""
        for start in range(0, len(inputs), batch_size):
            chunk = inputs[start:start + batch_size]
            packed = []
            for i, sample in enumerate(chunk, start):
                result = self.pipeline(self._results(i, sample))
                if result is None:
                    raise ValueError(f'sample {sample.paths}: the test pipeline dropped it')
                packed.append(result)
            yield chunk, self.collate_fn(packed)

    def __call__(self,
                 inputs: Inputs,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 out_dir: str = '',
                 pred_out_dir: str = '',
                 show: bool = False,
                 wait_time: float = 0,
                 no_save_vis: bool = False,
                 no_save_pred: bool = False,
                 return_vis: bool = False,
                 print_result: bool = False,
                 **kwargs) -> dict:
        """Predict, draw and write.

        Args:
            inputs: See the class.
            return_datasamples (bool): Return the data samples (not saved as files) instead
                of the downstream inferencer's dicts. Defaults to False.
            batch_size (int): Samples per forward pass. Defaults to 1.
            out_dir (str): Drawings go to ``out_dir/vis/<name>.png`` and predictions to
                ``out_dir/preds/``. Defaults to '' (nothing written).
            pred_out_dir (str): Folder of the predictions (default ``out_dir/preds``).
            show (bool): Show each drawing in a window. Defaults to False.
            wait_time (float): Seconds a shown drawing stays (0: until a key). Defaults to 0.
            no_save_vis (bool): Write no drawing. Defaults to False.
            no_save_pred (bool): Write no prediction. Defaults to False.
            return_vis (bool): Return the drawings. Defaults to False.
            print_result (bool): Print the predictions. Defaults to False.
            **kwargs: ``draw_pred``, ``pred_score_thr`` (detection, default 0.3), ``opacity``
                (segmentation, default 0.8), ``resize`` (classification).

        Returns:
            dict: ``predictions`` (one per sample) and ``visualization`` (the drawings, when
            returned).
        """
        preprocess_kwargs, forward_kwargs, visualize_kwargs, _ = self._dispatch_kwargs(**kwargs)
        pred_out_dir = pred_out_dir or (osp.join(out_dir, 'preds') if out_dir else '')
        samples = self._inputs_to_list(inputs)
        batches = self.preprocess(samples, batch_size=batch_size, **preprocess_kwargs)
        if self.show_progress:
            from rich.progress import track
            batches = track(batches, description='Inference', total=-(-len(samples) // batch_size))
        out = dict(predictions=[], visualization=[])
        for chunk, data in batches:
            preds = self.forward(data, **forward_kwargs)
            vis = self.visualize(
                chunk,
                preds,
                return_vis=return_vis,
                show=show,
                wait_time=wait_time,
                img_out_dir=osp.join(out_dir, 'vis') if out_dir else '',
                no_save_vis=no_save_vis,
                **visualize_kwargs)
            result = self.postprocess(
                preds,
                vis,
                return_datasamples=return_datasamples,
                print_result=print_result,
                no_save_pred=no_save_pred,
                pred_out_dir=pred_out_dir,
                names=[s.name for s in chunk])
            out['predictions'].extend(result['predictions'])
            out['visualization'].extend(result['visualization'] or [])
        return out

    def visualize(self,
                  inputs: List[InferenceSample],
                  preds: List[BaseDataElement],
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: float = 0,
                  draw_pred: bool = True,
                  pred_score_thr: float = 0.3,
                  img_out_dir: str = '',
                  no_save_vis: bool = False,
                  opacity: float = 0.8,
                  resize: Optional[int] = None) -> Optional[List[np.ndarray]]:
        """Draw each prediction on the picture of the model's first modality.

        Args:
            inputs (list[InferenceSample]): The samples.
            preds (list): Their predictions.
            return_vis (bool): Return the drawings.
            show (bool): Show each drawing in a window.
            wait_time (float): Seconds a shown drawing stays.
            draw_pred (bool): Draw the predictions (False: the picture alone).
            pred_score_thr (float): Lowest score of a drawn box (detection).
            img_out_dir (str): Folder of the drawings, ``<name>.png`` ('' : none).
            no_save_vis (bool): Write no drawing.
            opacity (float): Opacity of the label map (segmentation).
            resize (int, optional): Short edge the picture is resized to before the class is
                written on it (classification; small chips), as mmpretrain's inferencer does.

        Returns:
            list[np.ndarray] or None: The RGB drawings when returned.
        """
        img_out_dir = '' if no_save_vis else img_out_dir
        if not (show or img_out_dir or return_vis):
            return None
        first = self.modalities[0]
        drawings = []
        for sample, pred in zip(inputs, preds):
            framed = pred if self.task != 'classification' else None
            image = display_image(sample.paths[first], first, self.specs.get(first), framed)
            out_file = osp.join(img_out_dir, f'{sample.name}.png') if img_out_dir else None
            if self.task == 'classification':
                self.visualizer.visualize_cls(
                    image,
                    pred,
                    classes=self.model.dataset_meta.get('classes'),
                    draw_gt=False,
                    draw_pred=draw_pred,
                    show=show,
                    wait_time=wait_time,
                    name=sample.name,
                    resize=resize,
                    out_file=out_file)
            else:
                extra = dict(pred_score_thr=pred_score_thr) if self.task == 'detection' else {}
                if self.task == 'segmentation':
                    self.visualizer.alpha = opacity
                self.visualizer.add_datasample(
                    sample.name,
                    image,
                    pred,
                    draw_gt=False,
                    draw_pred=draw_pred,
                    show=show,
                    wait_time=wait_time,
                    out_file=out_file,
                    **extra)
            drawings.append(self.visualizer.get_image())
        return drawings if return_vis else None

    def postprocess(self,
                    preds: List[BaseDataElement],
                    visualization: Optional[List[np.ndarray]] = None,
                    return_datasamples: bool = False,
                    print_result: bool = False,
                    no_save_pred: bool = False,
                    pred_out_dir: str = '',
                    names: Optional[List[str]] = None) -> dict:
        """The predictions in the downstream inferencer's format, written to ``pred_out_dir``.

        Args:
            preds (list): Data samples of the batch.
            visualization (list, optional): Their drawings.
            return_datasamples (bool): Return the data samples (nothing is written).
            print_result (bool): Print the predictions.
            no_save_pred (bool): Write nothing.
            pred_out_dir (str): Folder of the prediction files ('' : none).
            names (list[str], optional): Sample names (default: each sample's ``sample``).

        Returns:
            dict: ``predictions`` and ``visualization``.
        """
        pred_out_dir = '' if no_save_pred else pred_out_dir
        names = names or [str(p.get('sample', i)) for i, p in enumerate(preds)]
        if return_datasamples:
            if pred_out_dir:
                warnings.warn('return_datasamples=True: the predictions are not written')
            results: List[Union[dict, BaseDataElement]] = list(preds)
        else:
            classes = self.model.dataset_meta.get('classes')
            results = []
            for name, pred in zip(names, preds):
                result = prediction_dict(self.task, pred, classes)
                if pred_out_dir:
                    result.update(save_prediction(self.task, result, pred_out_dir, name))
                results.append(result)
        if print_result:
            print(dict(predictions=results))
        return dict(predictions=results, visualization=visualization)
