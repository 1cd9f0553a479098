# A tiny ST-GCN on the synthetic COCO-layout skeleton set: the toolbox's smoke
# test (train / resume / test / dump in seconds on CPU). On the default set it
# reaches top-1 1.0 by about epoch 7 (6 epochs were too few). Data:
#   python tools/data/make_synthetic.py skeleton --layout coco
_base_ = '../_base_/default_runtime.py'

# what the model takes (inference reads it: docs/inference.md)
# (GenSkeFeat appends the score as a 3rd channel)
model_input = dict(kind='keypoints', layout='coco', score=True)

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
        base_channels=16,
        num_stages=2,
        inflate_stages=[],
        down_stages=[]),
    cls_head=dict(type='GCNHead', num_classes=4, in_channels=16))

dataset_type = 'CheckedPoseDataset'
data_root = 'data/synthetic/skeleton/'
ann_file = data_root + 'coco_synthetic.pkl'
train_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset='coco', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=32),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='GenSkeFeat', dataset='coco', feats=['j']),
    dict(type='UniformSampleFrames', clip_len=32, num_clips=2,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='train',
                 layout='coco', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 layout='coco', pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0, T_max=12,
                        by_epoch=True, convert_to_iter_based=True)]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4,
                   nesterov=True))
default_hooks = dict(logger=dict(interval=2))
auto_scale_lr = dict(enable=False, base_batch_size=8)
