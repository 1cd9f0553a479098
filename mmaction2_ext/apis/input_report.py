"""What a recognizer's input was like, said beside its prediction: how many
frames had a person, and whether the clip was shorter than the model's clip
length (the sampler then repeats frames, and the prediction says little)."""
from typing import Dict, Optional

import numpy as np


def frames_with_person(anno: Dict) -> int:
    """Frames of ``keypoint`` (M, T, V, C) where some joint of some person
    was found: a score above 0, or (without scores) a non-zero point."""
    keypoint = np.asarray(anno['keypoint'])
    score = anno.get('keypoint_score')
    found = np.asarray(score) > 0 if score is not None else \
        np.abs(np.nan_to_num(keypoint)).sum(-1) > 0
    return int(found.any(axis=(0, 2)).sum())


def describe_input(anno: Dict, clip_len: Optional[int]) -> Dict:
    """``input_frames``, ``frames_with_person`` and ``warnings`` (a list of
    sentences) of an annotation dict, for the results JSON; ``clip_len``:
    the model's (``model.model_input.clip_len``)."""
    frames = int(np.asarray(anno['keypoint']).shape[1])
    with_person = frames_with_person(anno)
    warnings = []
    if clip_len is not None and frames < clip_len:
        warnings.append(f'the input has {frames} frames, fewer than the '
                        f'model\'s clip length ({clip_len}): frames are '
                        'repeated to fill the clip, the prediction says '
                        'little')
    if with_person == 0:
        warnings.append('no frame has a person: the prediction says nothing')
    return dict(input_frames=frames, frames_with_person=with_person,
                warnings=warnings)


__all__ = ['describe_input', 'frames_with_person']
