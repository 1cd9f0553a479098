"""Inference on a user's own data, in mmaction2's ``apis.inference`` style.

``init_model`` builds any toolbox model (recognizers and HAAN) from its config
and checkpoint; one call per input kind runs the config's TEST pipeline (the
preprocessing of ``tools/test.py``) on one sample:

- :func:`inference_skeleton`: skeleton recognizers (ProtoGCN, ST-GCN,
  PoseC3D / MiGA) on a PYSKL dict, a ``.pkl`` sample or annotation file, a
  ``.npy`` array ``(T, V, C)`` / ``(M, T, V, C)`` or a ``.json`` dict;
- :func:`inference_rgbpose`: RGB + pose recognizers (PCAN) on a video and
  its pose entry;
- :func:`inference_features`: HAAN on a ``(T, D)`` clip-feature ``.npy``.

:func:`top_predictions` and :func:`named_detections` attach class names.
"""
import contextlib
import copy
import inspect
import os
import os.path as osp
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import decord
import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.registry import DATASETS
from ..compat import CheckpointError
from ..compat.checkpoint_fit import check_fit, checkpoint_state_dict
from ..datasets import check_pose_annotation, haan_collate
from ..datasets.labels import class_names
from ..datasets.ma52 import unreadable_video
from ..datasets.ma52_labels import MA52_BODY_NAMES
from ..datasets.pose_import import (is_mmpose, load_mmpose, load_openpose,
                                     read_json)
from ..datasets.validation import KEYPOINT_LAYOUTS
from ..evaluation.functional.dump import split_score
from ..models.utils.graph import LAYOUTS
from ..utils import DataError, data_error
from ..utils.safe_pickle import safe_load
from .launch import load_config

Skeleton = Union[str, Path, dict]
KINDS = ('skeleton', 'rgbpose', 'features')
HEATMAP_TRANSFORMS = ('FastGeneratePoseTarget', 'GeneratePoseTarget')
# layouts whose pipeline builds extra joints from the input ones
INPUT_JOINTS = dict(coco_new=17)  # Kinetics_Transform adds 3 trunk joints
OPENPOSE_LAYOUT = {28: 'ma52', 18: 'openpose', 17: 'coco'}


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """The config's model in eval mode on ``device`` with the checkpoint's
    weights (a checkpoint that lacks or misshapes any weight is an error).
    ``model.cfg`` keeps the config and ``model.input_kind`` its input kind."""
    cfg = copy.deepcopy(config) if isinstance(config, Config) \
        else load_config(str(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    model = init_recognizer(cfg, None, device)
    if checkpoint is not None:
        load_weights(model, checkpoint, cfg.get('load_partial', False))
    model.input_kind = input_kind(cfg)
    return model


def load_weights(model: nn.Module, checkpoint: str,
                 partial=False) -> None:
    """Load ``checkpoint`` after the checks ``tools/test.py`` makes; for
    inference every weight must be there too, except those the config's
    ``load_partial`` patterns excuse (extra checkpoint keys are ignored)."""
    ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    fit = check_fit(model, checkpoint_state_dict(ckpt, checkpoint),
                    checkpoint, [] if partial is True else partial)
    if fit.missing or fit.reinitialised:  # no random classifier at inference
        raise CheckpointError(f'{checkpoint} lacks weights of the config\'s '
                              f'model: {fit.describe()}')
    _load_checkpoint_to_model(model, ckpt, strict=False,
                              revise_keys=[(r'^module\.', '')])


def _transform_types(cfg: Config) -> List[str]:
    return [t['type'] for t in cfg.get('test_pipeline', [])]


def input_kind(cfg: Config) -> str:
    """'features' (HAAN), 'rgbpose' (video + pose) or 'skeleton'."""
    if cfg.model.get('type') == 'HAAN':
        return 'features'
    if {'MMDecode', 'MMDecodeOnce'} & set(_transform_types(cfg)):
        return 'rgbpose'
    return 'skeleton'


def dataset_layout(cfg: Config) -> Optional[str]:
    """The test dataset's keypoint layout: its ``layout`` key, else its
    class's default (``MA52Dataset``: ma52); None when it has neither."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    layout = dataset.get('layout')
    if layout is None and dataset.get('type'):
        dataset_cls = DATASETS.get(dataset['type'])
        param = inspect.signature(dataset_cls).parameters.get('layout') \
            if dataset_cls is not None else None
        layout = param.default if param is not None else None
    if layout is not None and layout not in KEYPOINT_LAYOUTS:
        raise ValueError(f'the config\'s dataset layout {layout!r} is not '
                         f'one of {sorted(KEYPOINT_LAYOUTS)}')
    return layout


def expected_joints(cfg: Config) -> Optional[int]:
    """Joints per person the config takes: its dataset layout's, else what
    the dataset, graph or heatmap settings imply (None: not known)."""
    layout = dataset_layout(cfg)
    if layout is not None:
        return KEYPOINT_LAYOUTS[layout][0]
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    if dataset.get('num_keypoints'):
        return int(dataset['num_keypoints'])
    backbone = cfg.model.get('backbone', {})
    graph_layout = backbone.get('graph_cfg', {}).get('layout')
    if isinstance(graph_layout, str) and graph_layout in LAYOUTS:
        return INPUT_JOINTS.get(graph_layout, LAYOUTS[graph_layout][0])
    heatmaps = [t for t in cfg.get('test_pipeline', [])
                if t['type'] in HEATMAP_TRANSFORMS]
    if heatmaps and heatmaps[0].get('with_kp', True) \
            and not heatmaps[0].get('with_limb', False):
        pose = backbone.get('pose_pathway', backbone)
        return pose.get('in_channels')
    return None


def coord_dims(cfg: Config) -> Optional[int]:
    """2 or 3 coordinates per joint the config takes: its dataset layout's,
    else what the pipeline implies (None: either)."""
    layout = dataset_layout(cfg)
    if layout is not None:
        return KEYPOINT_LAYOUTS[layout][1]
    types = _transform_types(cfg)
    if 'PreNormalize3D' in types:
        return 3
    if {'PreNormalize2D', 'MMDecode', 'MMDecodeOnce', 'Kinetics_Transform',
            *HEATMAP_TRANSFORMS} & set(types):
        return 2
    return None


def _check_kind(model: nn.Module, kind: str) -> None:
    if model.input_kind != kind:
        raise DataError(f'this config takes {model.input_kind} input, not '
                        f'{kind} (see docs/inference.md)')


def _pick_sample(annos: Sequence, path: str, sample: Optional[str],
                 default: Optional[str]) -> dict:
    if sample is None and len(annos) == 1:
        return annos[0]
    if sample is None and default is None:
        raise data_error(path, f'holds {len(annos)} samples: name one '
                         '(sample=... / --sample)')
    sample = sample or default
    for anno in annos:
        if isinstance(anno, dict) and sample in (anno.get('frame_dir'),
                                                 anno.get('filename')):
            return anno
    raise data_error(path, 'no such sample', sample=sample, field='frame_dir')


def _read_pickle(path: str):
    return safe_load(path, 'skeleton pickle')


def _read_array(path: str) -> dict:
    try:
        keypoint = np.load(path)
    except (OSError, ValueError) as err:
        raise data_error(path, f'cannot read the array ({err})') from err
    if keypoint.ndim == 3:
        keypoint = keypoint[None]
    return dict(keypoint=keypoint)


def load_pose(source: Skeleton, sample: Optional[str] = None,
              default: Optional[str] = None,
              joints: Optional[int] = None) -> Tuple[dict, str]:
    """One PYSKL annotation dict from a dict or file, and its source name.

    Files: ``.pkl`` (one sample dict, a list of them, or a PYSKL
    ``{'split', 'annotations'}`` file: ``sample``, else ``default``, picks
    by ``frame_dir``),
    ``.json`` (the same, arrays as nested lists, or mmpose predictions:
    COCO-17) or ``.npy`` keypoints. A folder holds OpenPose per-frame JSON,
    read in the layout of ``joints`` (28 MA-52, default; 18 OpenPose; 17
    COCO).
    """
    if isinstance(source, dict):
        return dict(source), '<dict>'
    path = str(source)
    if osp.isdir(path):
        return load_openpose(path, OPENPOSE_LAYOUT.get(joints, 'ma52')), path
    if not osp.isfile(path):
        raise FileNotFoundError(f'input file {path} does not exist')
    ext = osp.splitext(path)[1].lower()
    readers = {'.pkl': _read_pickle, '.pickle': _read_pickle,
               '.json': read_json, '.npy': _read_array}
    if ext not in readers:
        raise data_error(path, f'unknown skeleton file type {ext!r} (expected '
                         '.pkl, .json or .npy)')
    data = readers[ext](path)
    if ext == '.json' and is_mmpose(data):
        return load_mmpose(path, data), path
    if isinstance(data, dict) and 'annotations' in data:
        data = data['annotations']
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise data_error(path, f'expected a sample dict or a list of them, '
                         f'got {type(data).__name__}')
    return dict(_pick_sample(data, path, sample, default)), path


def _as_annotation(anno: dict, dims: Optional[int], source: str) -> dict:
    """Arrays as float32, ``(x, y, score)`` split for 2D configs, and the
    fields the dataset would add."""
    if 'keypoint' not in anno:
        raise data_error(source, 'missing key', field='keypoint')
    # copies: the pipeline may change them in place
    anno['keypoint'] = np.array(anno['keypoint'], dtype=np.float32)
    kp = anno['keypoint']
    if dims == 2 and kp.ndim == 4 and kp.shape[-1] == 3 \
            and 'keypoint_score' not in anno:
        anno['keypoint'], anno['keypoint_score'] = kp[..., :2], kp[..., 2]
    if 'keypoint_score' in anno:
        anno['keypoint_score'] = np.array(anno['keypoint_score'],
                                          dtype=np.float32)
    anno.setdefault('frame_dir', 'input' if source == '<dict>' else
                    osp.splitext(osp.basename(source))[0])
    anno.setdefault('label', -1)
    if kp.ndim == 4:
        anno.setdefault('total_frames', kp.shape[1])
        if dims == 2 and 'img_shape' not in anno:
            anno['img_shape'] = _keypoint_extent(anno['keypoint'])
    for key in ('img_shape', 'original_shape'):
        if key in anno:
            anno[key] = tuple(int(v) for v in anno[key])
    anno.setdefault('original_shape', anno.get('img_shape'))
    return dict(anno, start_index=0, modality='Pose')


def _keypoint_extent(keypoint: np.ndarray) -> Tuple[int, int]:
    """The smallest ``(h, w)`` frame that holds every 2D keypoint."""
    xy = np.nan_to_num(keypoint[..., :2])
    height, width = (int(np.ceil(xy[..., i].max())) + 1 for i in (1, 0))
    return height, width


def _check_joints(anno: dict, source: str, joints: Optional[int],
                  layout: Optional[str]) -> None:
    """The joint count, naming the layout it comes from."""
    kp = anno['keypoint']
    if joints is None or kp.ndim != 4 or kp.shape[2] == joints:
        return  # other shapes: the dataset check names them
    where = f' (layout {layout})' if layout else ''
    raise data_error(source, f'the config expects {joints} joints{where}, '
                     f'got {kp.shape[2]}', anno['frame_dir'], 'keypoint')


def _checked_annotation(model: nn.Module, anno: dict, source: str) -> dict:
    dims, layout = coord_dims(model.cfg), dataset_layout(model.cfg)
    anno = _as_annotation(anno, dims, source)
    _check_joints(anno, source, expected_joints(model.cfg), layout)
    # the label is not used: any valid one passes the dataset checks
    check_pose_annotation(dict(anno, label=0), source, 0)
    got = anno['keypoint'].shape[-1]
    if dims is not None and got != dims:
        where = f' (layout {layout})' if layout else ''
        raise data_error(source, f'{got} coordinates per joint, the config '
                         f'takes {dims}{where}', anno['frame_dir'], 'keypoint')
    return anno


def skeleton_annotation(model: nn.Module, skeleton: Skeleton,
                        sample: Optional[str] = None,
                        img_shape: Optional[Sequence[int]] = None) -> dict:
    """The checked annotation dict :func:`inference_skeleton` feeds to the
    test pipeline."""
    _check_kind(model, 'skeleton')
    anno, source = load_pose(skeleton, sample,
                             joints=expected_joints(model.cfg))
    if img_shape is not None:
        anno['img_shape'] = anno['original_shape'] = tuple(img_shape)
    return _checked_annotation(model, anno, source)


def inference_skeleton(model: nn.Module, skeleton: Skeleton,
                       sample: Optional[str] = None,
                       img_shape: Optional[Sequence[int]] = None):
    """Run a skeleton recognizer on one sample (see :func:`load_pose`).

    Args:
        img_shape: ``(h, w)`` of the frames the keypoints are in pixels of;
            default the sample's ``img_shape``, else the keypoints' extent.

    Returns:
        ``ActionDataSample`` with ``pred_score``.
    """
    return inference_recognizer(
        model, skeleton_annotation(model, skeleton, sample, img_shape))


@contextlib.contextmanager
def native_stderr_silenced():
    """Keep the decoders' C-level messages (ffmpeg, decord) off stderr: the
    error raised names the file and the problem."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, 'w') as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _frame_shape(video: str) -> Tuple[int, int]:
    with native_stderr_silenced():
        height, width = decord.VideoReader(video, num_threads=1)[0].shape[:2]
    return height, width


def rgbpose_annotation(model: nn.Module, video: str, pose: Skeleton,
                       sample: Optional[str] = None) -> dict:
    """The checked annotation dict :func:`inference_rgbpose` feeds to the
    test pipeline (``filename`` is the video)."""
    _check_kind(model, 'rgbpose')
    if not osp.isfile(str(video)):
        raise FileNotFoundError(f'video file {video} does not exist')
    with native_stderr_silenced():
        problem = unreadable_video(str(video))
    if problem is not None:
        raise data_error(str(video), problem, field='video')
    anno, source = load_pose(pose, sample,
                             osp.splitext(osp.basename(str(video)))[0],
                             expected_joints(model.cfg))
    anno.pop('filename', None)
    if 'img_shape' not in anno:  # poses in pixels of the video's frames
        anno['img_shape'] = _frame_shape(str(video))
    anno = _checked_annotation(model, anno, source)
    return dict(anno, filename=str(video))


def inference_rgbpose(model: nn.Module, video: str, pose: Skeleton,
                      sample: Optional[str] = None):
    """Run an RGB + pose recognizer (PCAN) on a video and its poses: a pose
    dict, or a pose pickle with one entry or the entry named ``sample``
    (default: the video's file name without extension)."""
    return inference_recognizer(
        model, rgbpose_annotation(model, video, pose, sample))


def load_features(features: Union[str, np.ndarray], feature_size: int
                  ) -> np.ndarray:
    """``(T, D)`` float32 clip features from an array or ``.npy`` file."""
    source = '<array>'
    if not isinstance(features, np.ndarray):
        source = str(features)
        if not osp.isfile(source):
            raise FileNotFoundError(f'input file {source} does not exist')
        try:
            features = np.load(source)
        except (OSError, ValueError) as err:
            raise data_error(source, f'cannot read the array ({err})') from err
    if features.ndim != 2 or features.shape[0] == 0 \
            or features.shape[1] != feature_size:
        raise data_error(source, f'shape {features.shape}, expected (T>0, '
                         f'{feature_size}) clip features', field='features')
    return np.ascontiguousarray(features, dtype=np.float32)


def inference_features(model: nn.Module, features: Union[str, np.ndarray],
                       sec2clip_ratio: float) -> List[dict]:
    """HAAN detections (seconds) on one video's clip features.

    Args:
        sec2clip_ratio: clips per second of the features (the dataset's
            ``sec2clip_ratios.npy`` entry; fps / frames per clip).

    Returns:
        dicts ``label`` (index), ``t_start``, ``t_end``, ``score``.
    """
    _check_kind(model, 'features')
    if not sec2clip_ratio > 0:
        raise DataError(f'sec2clip_ratio must be > 0, got {sec2clip_ratio}')
    feats = load_features(features, model.encoder.hidden_layer.in_features)
    name = 'input' if isinstance(features, np.ndarray) else \
        osp.splitext(osp.basename(str(features)))[0]
    sample = dict(inputs=torch.from_numpy(feats), video_name=name, index=0,
                  sec2clip_ratio=float(sec2clip_ratio),
                  gt_segments=np.zeros((0, 2)), gt_labels=np.zeros(0, int))
    with torch.no_grad():
        result = model.test_step(haan_collate([sample]))[0]
    return result['detections']


def model_class_names(model: nn.Module) -> List[str]:
    """Class names of the model's outputs: the config's ``label_file`` (a
    built-in list name or a path), else the built-in list of that size."""
    if model.input_kind == 'features':
        num = model.fine_level_classifier.out_layer.out_features
    else:
        num = model.cls_head.num_classes
    return class_names(model.cfg.get('label_file'), num)


def _ranked(scores: np.ndarray, names: Sequence[str], k: int) -> List[dict]:
    order = np.argsort(-scores, kind='stable')[:k]
    return [dict(label=names[i], index=int(i), score=float(scores[i]))
            for i in order]


def top_predictions(model: nn.Module, result, k: int = 5
                    ) -> Dict[str, List[dict]]:
    """``{'predictions': top-k dicts label/index/score}``, plus ``'body'``
    (MA-52 body parts) for PCAN's body scores."""
    scores, body = split_score(result.pred_score)
    out = dict(predictions=_ranked(scores, model_class_names(model), k))
    if body is not None:
        out['body'] = _ranked(body, MA52_BODY_NAMES, k)
    return out


def named_detections(model: nn.Module, detections: List[dict]) -> List[dict]:
    """HAAN detections as ``label`` name, ``index``, ``start``, ``end``
    (seconds) and ``score``, best first."""
    names = model_class_names(model)
    rows = [dict(label=names[d['label']], index=int(d['label']),
                 start=float(d['t_start']), end=float(d['t_end']),
                 score=float(d['score'])) for d in detections]
    return sorted(rows, key=lambda d: -d['score'])


__all__ = [
    'KINDS', 'init_model', 'inference_skeleton', 'inference_rgbpose',
    'skeleton_annotation', 'rgbpose_annotation',
    'inference_features', 'load_pose', 'top_predictions', 'named_detections',
    'model_class_names'
]
