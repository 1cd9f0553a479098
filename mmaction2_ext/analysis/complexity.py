"""A config's model and input shapes for mmengine's complexity analysis
(``tools/analysis/get_flops.py``)."""
from typing import List, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from mmaction.registry import MODELS
from ..utils import data_error

Shape = Tuple[int, ...]
MULTI_INPUT = {'MMRecognizer3D': ('imgs', 'heatmap_imgs')}


class TensorForward(nn.Module):
    """Runs a model's whole forward (backbone, neck and head for recognizers)
    on positional tensors, as mmengine's FLOP analysis calls it."""

    def __init__(self, model: nn.Module, keys: Sequence[str] = ()):
        super().__init__()
        self.model, self.keys = model, tuple(keys)

    def forward(self, *inputs: torch.Tensor):
        x = dict(zip(self.keys, inputs)) if self.keys else inputs[0]
        if hasattr(self.model, 'extract_feat'):
            return self.model.extract_feat(x, stage='head')[0]
        return self.model(x, None, mode='tensor')

    @staticmethod
    def dummy_inputs(shapes: Sequence[Shape]) -> tuple:
        return tuple(torch.rand(shape) for shape in shapes)


def build_flops_model(cfg: Config) -> TensorForward:
    """``cfg.model`` built in eval mode, wrapped for the analysis."""
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model).eval()
    return TensorForward(model, MULTI_INPUT.get(cfg.model.type, ()))


def _image_size(pipeline: list, config: str) -> Tuple[int, int]:
    """(H, W) after the last fixed-size Resize / crop."""
    for step in reversed(pipeline):
        size = step.get('scale') if step['type'] == 'Resize' else \
            step.get('crop_size')
        if size is not None:
            w, h = (size, size) if isinstance(size, int) else size
            if w > 0 and h > 0:
                return h, w
    raise data_error(config, 'no fixed-size Resize or crop to take H, W '
                     'from: give --shape', field='val_pipeline')


def _input_size(pipeline: list, config: str) -> Tuple[int, int]:
    """(H, W) reaching the model: heatmaps are ``scaling`` times the image."""
    targets = [s for s in pipeline if s['type'].endswith('GeneratePoseTarget')]
    scaling = targets[-1].get('scaling', 1) if targets else 1
    return tuple(int(d * scaling) for d in _image_size(pipeline, config))


def _clip_len(pipeline: list, config: str):
    for step in pipeline:
        if 'clip_len' in step:
            return step['clip_len']
    raise data_error(config, 'no sampling step with clip_len: give --shape',
                     field='val_pipeline')


def _num_person(pipeline: list) -> int:
    return next((s.get('num_person', 2) for s in pipeline
                 if s['type'] == 'FormatGCNInput'), 2)


def _in_channels(module: nn.Module) -> int:
    """Input channels of the first convolution."""
    return next(m.in_channels for m in module.modules()
                if isinstance(m, nn.modules.conv._ConvNd))


def default_shapes(cfg: Config, model: nn.Module) -> List[Shape]:
    """One test clip of batch 1, at the sizes the config feeds the model."""
    kind, config = cfg.model.type, cfg.filename
    dataset = cfg.val_dataloader.dataset
    pipeline = dataset.get('pipeline', [])
    if kind == 'HAAN':
        if not dataset.get('max_clips_per_video'):
            raise data_error(config, 'no max_clips_per_video: give --shape',
                             field='val_dataloader.dataset')
        return [(1, dataset.max_clips_per_video, dataset.feature_size)]
    clip_len = _clip_len(pipeline, config)
    if kind == 'RecognizerGCN':
        joints = model.backbone.graph.A.shape[-1]
        return [(1, 1, _num_person(pipeline), clip_len, joints,
                 _in_channels(model.backbone))]
    if kind == 'MMRecognizer3D':
        pose = _in_channels(model.backbone.pose_path)
        return [(1, 1, 3, clip_len['RGB'], *_image_size(pipeline, config)),
                (1, 1, pose, clip_len['Pose'], *_input_size(pipeline, config))]
    if isinstance(clip_len, dict):  # one modality of MMUniformSampleFrames
        [clip_len] = clip_len.values()
    return [(1, 1, _in_channels(model.backbone), clip_len,
             *_input_size(pipeline, config))]
