# HAAN on FineGym (Gym99, HAAN's new split) from 24 fps I3D clip features,
# hyperparameters of the official config/fine_gym.toml. Data layout: README.md.
_base_ = '../_base_/default_runtime.py'

data_root = 'data/haan/FineGym'
num_fine_classes = 99
tiou_thresholds = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
report_thresholds = [0.1, 0.2, 0.3, 0.4, 0.5]

# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='features')

model = dict(
    type='HAAN',
    feature_size=2048,
    encoded_feature_size=2048,
    # the official hierarchy shipped with the package; a path to another
    # fine_to_coarse_mappings.json works too
    fine_to_coarse='finegym',
    dropout_rate=0.5,
    num_visual_concepts=500,
    loss=dict(loss_weights=(1., 0.001, 0.01, 0.1), num_top_visual_concepts=5,
              fine_to_coarse_pooling='mean'),
    test_cfg=dict(alpha=0.1, kmax_mod_factor=2))

dataset = dict(
    type='HAANFeatureDataset',
    ann_dir=data_root,
    features=data_root + '/FineGym_i3d_fps24.npy',
    num_training_videos=3775,
    feature_size=2048,
    max_clips_per_video=309)
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='haan_collate'),
    dataset=dict(split='train', **dataset))
# Upstream tests one video at a time; padding does not change per-clip logits.
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='haan_collate'),
    dataset=dict(split='test', **dataset))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='HAANDetectionMetric',
    num_classes=num_fine_classes,
    tiou_thresholds=tiou_thresholds,
    report_thresholds=report_thresholds)
test_evaluator = val_evaluator

# Upstream evaluates on the test split after every epoch and keeps the best.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-5))
param_scheduler = []

custom_hooks = [
    dict(type='HAANPseudoLabelHook', interval=5, clustering_sample_rate=0.1),
    dict(type='MetricOutDirHook')
]
default_hooks = dict(
    logger=dict(interval=200),
    checkpoint=dict(type='SafeCheckpointHook', interval=1,
                    max_keep_ckpts=1, save_best='haan/avg_mAP',
                    rule='greater'))
randomness = dict(seed=1)

# The authors ship only encoder + fine_level_classifier (enough for inference):
# their converted weights may lack the two training-only heads, which then
# keep their init. Every other weight must be in the checkpoint.
load_partial = ['pseudo_label_classifier.*', 'coarse_level_classifier.*']
