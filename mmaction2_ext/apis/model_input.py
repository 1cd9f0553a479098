"""What a config's model takes as input, stated by the config.

Every config that inference can run declares it in one top-level key
(``tools/analysis/print_config.py`` shows it)::

    model_input = dict(kind='keypoints', layout='coco', score=True)

- ``kind``: ``'keypoints'`` (skeleton GCNs: ST-GCN, ProtoGCN),
  ``'heatmaps'`` (PoseC3D / MiGA: keypoints drawn as heatmaps),
  ``'rgbpose'`` (PCAN: a video and its keypoints) or ``'features'``
  (HAAN: ``(T, D)`` clip features);
- ``layout``: the skeleton layout of the input files (a data layout of
  :mod:`mmaction2_ext.datasets.layouts`, which gives the joint count and
  whether keypoints are 2-D or 3-D);
- ``score``: 2-D only: the model is fed a confidence per joint (the score
  channel of a GCN, the heatmap weights of PoseC3D). Inputs without scores
  then get 1 for every joint (as stock ``GeneratePoseTarget`` does); inputs
  with scores for a model that takes none have them dropped.

:func:`model_input` reads it, with the test pipeline's clip length, once per
model (``init_model`` keeps it as ``model.model_input``); everything that
prepares an input reads that description.
"""
from dataclasses import dataclass
from typing import Optional

from mmengine.config import Config

from ..datasets.layouts import KEYPOINT_LAYOUTS, LAYOUTS
from ..utils import DataError

#: input kind -> the inference entry point that takes it
ROUTES = dict(keypoints='skeleton', heatmaps='skeleton', rgbpose='rgbpose',
              features='features')


@dataclass(frozen=True)
class ModelInput:
    """A model's input: see the module docstring for the fields.

    ``clip_len`` is the test pipeline's frames per clip (None: not sampled
    in clips, e.g. HAAN features).
    """
    kind: str
    layout: Optional[str] = None
    score: bool = False
    clip_len: Optional[int] = None

    def __post_init__(self):
        if self.kind not in ROUTES:
            raise ValueError(f'model_input kind {self.kind!r} is not one of '
                             f'{sorted(ROUTES)}')
        if self.kind != 'features' and self.layout not in KEYPOINT_LAYOUTS:
            raise ValueError(f'model_input layout {self.layout!r} is not '
                             f'one of {sorted(KEYPOINT_LAYOUTS)}')
        if self.score and self.coords != 2:
            raise ValueError('model_input score=True needs a 2-D layout, '
                             f'not {self.layout!r}')

    @property
    def route(self) -> str:
        """'skeleton', 'rgbpose' or 'features': the entry point to use."""
        return ROUTES[self.kind]

    @property
    def joints(self) -> Optional[int]:
        return LAYOUTS[self.layout].num_joints if self.layout else None

    @property
    def coords(self) -> Optional[int]:
        """2 (x, y pixels) or 3 (x, y, z) coordinates per joint."""
        return LAYOUTS[self.layout].coords if self.layout else None

    def describe(self) -> str:
        if self.kind == 'features':
            return 'clip features'
        points = (f'{self.joints} {self.coords}-D keypoints'
                  f'{" + score" if self.score else ""} (layout {self.layout})')
        return dict(rgbpose=f'a video and its {points}',
                    heatmaps=f'{points} drawn as heatmaps').get(self.kind,
                                                                points)


def _clip_len(cfg: Config) -> Optional[int]:
    for step in cfg.get('test_pipeline', []):
        if 'clip_len' in step:
            clip_len = step['clip_len']
            # RGB + pose: the pose clip spans the most frames
            return max(clip_len.values()) if isinstance(clip_len, dict) \
                else clip_len
    return None


def model_input(cfg: Config, source: str = 'the config') -> ModelInput:
    """The :class:`ModelInput` the config declares (``DataError`` naming the
    config when it declares none or a bad one)."""
    declared = cfg.get('model_input')
    if declared is None:
        raise DataError(f'{source} has no model_input: inference needs it '
                        '(docs/inference.md, "Your own config")')
    try:
        return ModelInput(clip_len=_clip_len(cfg), **declared)
    except (TypeError, ValueError) as err:
        raise DataError(f'{source}: model_input {dict(declared)}: {err}') \
            from err


def refuse_stock_visualization(cfg: Config, source: str) -> None:
    """``tools/test.py --show/--show-dir``: mmaction2's ``VisualizationHook``
    draws the RGB frames of ``inputs``, which no toolbox model takes; a
    config that declares its input is pointed to ``tools/infer.py --vis``."""
    declared = cfg.get('model_input')
    if declared is None:
        return  # an RGB config: the stock hook can draw it
    spec = model_input(cfg, source)
    draws = 'a timeline .png' if spec.kind == 'features' else \
        'the poses and top labels as an .mp4'
    raise DataError(
        f'--show/--show-dir: mmaction2\'s VisualizationHook draws RGB frames, '
        f'{source} takes {spec.describe()}; draw its predictions with '
        f'tools/infer.py {source} CHECKPOINT INPUT --vis OUT ({draws}; '
        'docs/inference.md)')


__all__ = ['ModelInput', 'ROUTES', 'model_input',
           'refuse_stock_visualization']
