"""A training step with one optimizer per part of a model, after a single backward pass.

``optim_wrapper`` may be an ``OptimWrapperDict`` (e.g. ``architecture`` and ``distiller`` keys
from ``mmrazor.SeparateOptimWrapperConstructor``), so that trainable distillation modules such
as adversarial discriminators have their own optimizer. Gradient reversal already gives the
student and the discriminators opposite directions, so one backward pass serves every
optimizer, as in the joint case.
"""
from contextlib import ExitStack
from typing import Callable, Dict, Union

import torch
from mmengine.model import BaseModel
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict


def separate_optim_context(model: BaseModel, optim_wrapper: OptimWrapperDict) -> ExitStack:
    """Enter every wrapper's ``optim_context`` (autocast, gradient accumulation).

    Args:
        model (BaseModel): The model; each wrapper gets its part of the same name (the model
            itself when it has none).
        optim_wrapper (OptimWrapperDict): The wrappers.
    """
    stack = ExitStack()
    for name, wrapper in optim_wrapper.items():
        if isinstance(wrapper, AmpOptimWrapper):
            raise NotImplementedError(
                f'optim_wrapper["{name}"] is an AmpOptimWrapper: mixed precision with '
                f'separate optimizers is not supported (each would scale the shared loss '
                f'differently); train jointly with one optimizer to use --amp')
        stack.enter_context(wrapper.optim_context(getattr(model, name, model)))
    return stack


def update_separate(loss: torch.Tensor, optim_wrapper: OptimWrapperDict) -> None:
    """One backward pass, then every optimizer steps on its own parameters and zeroes them.

    Args:
        loss (torch.Tensor): The summed loss.
        optim_wrapper (OptimWrapperDict): The wrappers.
    """
    loss.backward()
    for wrapper in optim_wrapper.values():
        wrapper.step()
        wrapper.zero_grad()


def separate_train_step(model: BaseModel, data: Union[dict, tuple,
                                                      list], optim_wrapper: OptimWrapperDict,
                        run_forward: Callable) -> Dict[str, torch.Tensor]:
    """``BaseModel.train_step`` with one optimizer per part (``OptimWrapperDict``).

    Args:
        model (BaseModel): The model (its data preprocessor and ``parse_losses`` are used).
        data (dict | tuple | list): A batch from the dataloader.
        optim_wrapper (OptimWrapperDict): e.g. ``architecture`` and ``distiller``.
        run_forward (callable): ``run_forward(data, mode='loss')``; the model's own
            ``_run_forward``, or a DDP wrapper's so that its gradients are reduced.

    Returns:
        dict: The log variables of ``parse_losses``.
    """
    with separate_optim_context(model, optim_wrapper):
        data = model.data_preprocessor(data, True)
        losses = run_forward(data, mode='loss')
    parsed_loss, log_vars = model.parse_losses(losses)
    update_separate(parsed_loss, optim_wrapper)
    return log_vars
