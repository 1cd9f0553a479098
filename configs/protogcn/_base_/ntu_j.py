# ProtoGCN on NTU RGB+D, joint stream: model, pipelines and schedule shared by
# every NTU split (set up for NTU-60 X-Sub; the split configs override the
# data). The other streams inherit this file.
_base_ = '../../_base_/default_runtime.py'

# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='keypoints', layout='nturgb+d')

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ProtoGCN',
        num_prototype=400,
        tcn_ms_cfg=[(3, 1), (3, 2), (3, 3), (3, 4), ('max', 3), '1x1'],
        graph_cfg=dict(layout='nturgb+d', mode='random', num_filter=8,
                       init_off=.04, init_std=.02)),
    cls_head=dict(type='ProtoGCNHead', joint_cfg='nturgb+d',
                  num_classes=60, in_channels=384, weight=0.2))

dataset_type = 'CheckedPoseDataset'
data_root = 'data/nturgbd/'
ann_file = data_root + 'ntu60_3danno.pkl'
train_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='RandomRot', theta=0.2),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleDecode', clip_len=100),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleDecode', clip_len=100, num_clips=1,
         test_mode=True),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize3D', align_spine=False, align_shoulder=False),
    dict(type='GenSkeFeatExt', dataset='nturgb+d', feats=['j']),
    dict(type='UniformSampleDecode', clip_len=100, num_clips=10,
         test_mode=True),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_train',
                 layout='nturgb+d', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_val',
                 layout='nturgb+d', pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_val',
                 layout='nturgb+d', pipeline=test_pipeline, test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=150, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# per-iteration cosine decay to 0, no warmup (upstream CosineAnnealing)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=150, by_epoch=True,
         convert_to_iter_based=True)
]
# lr = 0.1 x total_batch / 64 (upstream reference: 4 GPUs x 16, lr 0.1)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.025, momentum=0.9, weight_decay=5e-4,
                   nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(logger=dict(interval=100))
