"""HAAN's k-means pseudo-labels (spec 2.3), refreshed every few epochs."""
from collections import Counter
from typing import Dict, Tuple

import numpy as np
import torch
from mmengine.dist import broadcast_object_list, get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from sklearn.cluster import KMeans
from torch.utils.data import DataLoader

from mmaction.registry import HOOKS
from ...datasets.haan_features import haan_collate


@torch.no_grad()
def encode_dataset(model, dataset, batch_size: int = 2) -> Tuple[list, list]:
    """Encoder outputs ``(T_i, d)`` of every video (encoder in eval mode)."""
    model.encoder.eval()
    names, clips = [], []
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        collate_fn=haan_collate)
    for batch in loader:
        batch = model.data_preprocessor(batch, False)
        encoded = model.encode(batch['inputs']).cpu().numpy()
        for i, n in enumerate(batch['data_samples']['seq_lens'].tolist()):
            names.append(batch['data_samples']['video_names'][i])
            clips.append(encoded[i, :n])
    return names, clips


def cluster_clips(names, clips, num_clusters: int, sample_rate: float,
                  seed: int = 0, n_init: int = 10) -> Tuple[Dict, np.ndarray]:
    """k-means on a random ``sample_rate`` subset of all clips (global numpy
    RNG, as upstream), then every clip's cluster.

    Returns:
        ``{video_name: (T_i,) cluster ids}`` and pi ``(K,)``: the fraction of
        all clips in each cluster (frequency, not inverse: upstream's choice).
    """
    all_clips = np.concatenate(clips)
    subset = np.random.permutation(len(all_clips))[:int(sample_rate *
                                                        len(all_clips))]
    if len(subset) < num_clusters:
        raise ValueError(
            f'k-means needs at least num_visual_concepts={num_clusters} '
            f'sampled clips, got {len(subset)} ({len(all_clips)} clips x '
            f'clustering_sample_rate={sample_rate})')
    kmeans = KMeans(n_clusters=num_clusters, random_state=seed,
                    n_init=n_init).fit(all_clips[subset])
    labels = kmeans.predict(all_clips)
    counts = Counter(labels.tolist())
    weights = np.array([counts[k] / len(labels) for k in range(num_clusters)],
                       dtype=np.float32)
    per_video, start = {}, 0
    for name, c in zip(names, clips):
        per_video[name] = labels[start:start + len(c)]
        start += len(c)
    return per_video, weights


@HOOKS.register_module()
class HAANPseudoLabelHook(Hook):
    """Before epochs 0, ``interval``, 2 x ``interval``... cluster the encoded
    training clips and hand the labels to the model.

    A resume restores the labels (``TrainingStateHook``), so a resumed run
    refreshes on the same epochs as an uninterrupted one; only a model left
    without labels (a checkpoint without training state) clusters at once.

    Rank 0 clusters; the result is broadcast so all ranks agree.

    Args:
        interval: epochs between refreshes (5 upstream, hard-coded there).
        clustering_sample_rate: fraction of clips k-means is fitted on.
        seed: KMeans ``random_state`` (0 upstream); n_init: 10, the default
            of upstream's scikit-learn 0.24 (1 since sklearn 1.4).
    """
    priority = 'NORMAL'

    def __init__(self, interval: int = 5, clustering_sample_rate: float = 0.1,
                 seed: int = 0, n_init: int = 10):
        self.interval = interval
        self.sample_rate = clustering_sample_rate
        self.seed, self.n_init = seed, n_init

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if runner.epoch % self.interval and model.pseudo_labels:
            return
        result = [None]
        if get_rank() == 0:
            runner.logger.info('HAAN: clustering clips into '
                               f'{model.num_visual_concepts} pseudo-labels')
            names, clips = encode_dataset(
                model, runner.train_dataloader.dataset,
                runner.train_dataloader.batch_size or 1)
            result = [cluster_clips(names, clips, model.num_visual_concepts,
                                    self.sample_rate, self.seed, self.n_init)]
        broadcast_object_list(result)
        labels, weights = result[0]
        model.set_pseudo_labels(labels, torch.from_numpy(weights))
        model.train()
