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
from ..compat import CheckpointError
from ..compat.checkpoint_fit import check_fit, checkpoint_state_dict
from ..datasets import check_pose_annotation, haan_collate
from ..datasets.labels import class_names
from ..datasets.ma52 import unreadable_video
from ..datasets.ma52_labels import MA52_BODY_NAMES
from ..datasets.pose_import import (OPENPOSE_LAYOUTS, is_mmpose,
                                     load_mmpose, load_openpose, read_json)
from ..deploy import with_backend
from ..evaluation.functional.dump import split_score
from ..utils import DataError, data_error
from ..utils.safe_pickle import safe_load
from .launch import load_config
from .model_input import ModelInput, model_input

Skeleton = Union[str, Path, dict]
KINDS = ('skeleton', 'rgbpose', 'features')


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None,
               backend: str = 'pytorch') -> nn.Module:
    """The config's model in eval mode on ``device`` with the checkpoint's
    weights (a checkpoint that lacks or misshapes any weight is an error).
    ``model.cfg`` keeps the config, ``model.model_input`` the
    :class:`~mmaction2_ext.apis.model_input.ModelInput` it declares and
    ``model.input_kind`` its entry point ('skeleton', 'rgbpose',
    'features'). ``backend='onnxruntime'``: ``checkpoint`` is an ONNX file
    exported from this config, run by :class:`~mmaction2_ext.deploy.OrtModel`."""
    cfg = copy.deepcopy(config) if isinstance(config, Config) \
        else load_config(str(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    spec = model_input(cfg, str(getattr(cfg, 'filename', None) or 'config'))
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    model = init_recognizer(cfg, None, device)
    if checkpoint is not None and backend == 'pytorch':
        load_weights(model, checkpoint, cfg.get('load_partial', False))
    model.model_input, model.input_kind = spec, spec.route
    return with_backend(model, backend, checkpoint)


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


def _check_kind(model: nn.Module, route: str) -> None:
    if model.model_input.route != route:
        raise DataError(f'this config takes {model.input_kind} input, not '
                        f'{route} (see docs/inference.md)')


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


def _openpose_layout(layout: Optional[str], path: str) -> str:
    if layout is None:
        return 'ma52'
    if layout not in OPENPOSE_LAYOUTS:
        raise data_error(path, f'an OpenPose folder gives the layouts '
                         f'{sorted(OPENPOSE_LAYOUTS)}, the config takes '
                         f'{layout!r}')
    return layout


def load_pose(source: Skeleton, sample: Optional[str] = None,
              default: Optional[str] = None,
              layout: Optional[str] = None) -> Tuple[dict, str]:
    """One PYSKL annotation dict from a dict or file, and its source name.

    Files: ``.pkl`` (one sample dict, a list of them, or a PYSKL
    ``{'split', 'annotations'}`` file: ``sample``, else ``default``, picks
    by ``frame_dir``),
    ``.json`` (the same, arrays as nested lists, or mmpose predictions:
    COCO-17) or ``.npy`` keypoints. A folder holds OpenPose per-frame JSON,
    read in ``layout`` (ma52, the default; openpose; coco).
    """
    if isinstance(source, dict):
        return dict(source), '<dict>'
    path = str(source)
    if osp.isdir(path):
        return load_openpose(path, _openpose_layout(layout, path)), path
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


def _scores_as_declared(anno: dict, spec: ModelInput) -> None:
    """2-D keypoints: ``(x, y, score)`` split; a score of 1 per joint for a
    model fed scores when the input has none; scores dropped for a model
    that takes none (stock ``GenSkeFeat`` would add them as a channel)."""
    kp = anno['keypoint']
    if spec.coords != 2 or kp.ndim != 4:
        return
    if kp.shape[-1] == 3 and 'keypoint_score' not in anno:
        anno['keypoint'], anno['keypoint_score'] = kp[..., :2], kp[..., 2]
    if 'keypoint_score' in anno:
        if not spec.score:
            del anno['keypoint_score']
        else:
            anno['keypoint_score'] = np.array(anno['keypoint_score'],
                                              dtype=np.float32)
    elif spec.score:
        anno['keypoint_score'] = np.ones(kp.shape[:3], np.float32)


def _as_annotation(anno: dict, spec: ModelInput, source: str) -> dict:
    """Arrays as float32, scores as the model takes them (see
    :func:`_scores_as_declared`) and the fields the dataset would add."""
    if 'keypoint' not in anno:
        raise data_error(source, 'missing key', field='keypoint')
    # copies: the pipeline may change them in place
    anno['keypoint'] = np.array(anno['keypoint'], dtype=np.float32)
    _scores_as_declared(anno, spec)
    kp = anno['keypoint']
    anno.setdefault('frame_dir', 'input' if source == '<dict>' else
                    osp.splitext(osp.basename(source))[0])
    anno.setdefault('label', -1)
    if kp.ndim == 4:
        anno.setdefault('total_frames', kp.shape[1])
        if kp.shape[-1] == 2 and anno.get('img_shape') is None:
            anno['img_shape'] = _keypoint_extent(kp)
    for key in ('img_shape', 'original_shape'):
        if anno.get(key) is not None:
            anno[key] = tuple(int(v) for v in anno[key])
    if anno.get('original_shape') is None and 'img_shape' in anno:
        anno['original_shape'] = anno['img_shape']
    return dict(anno, start_index=0, modality='Pose')


def _keypoint_extent(keypoint: np.ndarray) -> Tuple[int, int]:
    """The smallest ``(h, w)`` frame that holds every 2D keypoint."""
    xy = np.nan_to_num(keypoint[..., :2])
    height, width = (int(np.ceil(xy[..., i].max())) + 1 for i in (1, 0))
    return height, width


def _checked_annotation(model: nn.Module, anno: dict, source: str) -> dict:
    spec = model.model_input
    anno = _as_annotation(anno, spec, source)
    kp = anno['keypoint']
    where = f' (layout {spec.layout})'
    if kp.ndim == 4 and kp.shape[2] != spec.joints:  # other shapes: below
        raise data_error(source, f'the config expects {spec.joints} joints'
                         f'{where}, got {kp.shape[2]}', anno['frame_dir'],
                         'keypoint')
    # the label is not used: any valid one passes the dataset checks
    check_pose_annotation(dict(anno, label=0), source, 0)
    got = kp.shape[-1]
    if got != spec.coords:
        raise data_error(source, f'{got} coordinates per joint, the config '
                         f'takes {spec.coords}{where}', anno['frame_dir'],
                         'keypoint')
    return anno


def skeleton_annotation(model: nn.Module, skeleton: Skeleton,
                        sample: Optional[str] = None,
                        img_shape: Optional[Sequence[int]] = None) -> dict:
    """The checked annotation dict :func:`inference_skeleton` feeds to the
    test pipeline."""
    _check_kind(model, 'skeleton')
    anno, source = load_pose(skeleton, sample,
                             layout=model.model_input.layout)
    if img_shape is not None:
        anno['img_shape'] = anno['original_shape'] = tuple(img_shape)
    return _checked_annotation(model, anno, source)


def inference_skeleton(model: nn.Module, skeleton: Skeleton,
                       sample: Optional[str] = None,
                       img_shape: Optional[Sequence[int]] = None):
    """Run a skeleton recognizer on one sample (see :func:`load_pose`).

    Args:
        img_shape: ``(h, w)`` of the frames 2-D keypoints are in pixels of;
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
                             model.model_input.layout)
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
