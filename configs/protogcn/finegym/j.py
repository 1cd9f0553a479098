# ProtoGCN, FineGYM-99 (HRNet 2D), joint stream (spec: configs/protogcn/finegym/j.py):
# the NTU joint config (model, schedule, loaders) on COCO-17 keypoints, which
# Kinetics_Transform turns into the 20-joint coco_new graph. The other
# streams inherit this file.
_base_ = '../_base_/ntu_j.py'

work_dir = './work_dirs/protogcn/finegym/j'

model = dict(
    backbone=dict(graph_cfg=dict(layout='coco_new')),
    cls_head=dict(joint_cfg='coco_new', num_classes=99))
# what the model takes (inference reads it: docs/inference.md)
# (Kinetics_Transform appends the score as a 3rd channel)
model_input = dict(kind='keypoints', layout='coco', score=True)

data_root = 'data/gym/'
ann_file = data_root + 'gym_hrnet.pkl'
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=100),
    dict(type='PoseDecode'),
    dict(type='Flip', flip_ratio=0.5, left_kp=[1, 3, 5, 7, 9, 11, 13, 15],
         right_kp=[2, 4, 6, 8, 10, 12, 14, 16]),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=100, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=100, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='Kinetics_Transform'),
    dict(type='GenSkeFeatExt', dataset='coco_new', feats=['j']),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs')
]

train_dataloader = dict(dataset=dict(
    ann_file=ann_file, split='train', layout='coco', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file=ann_file, split='val', layout='coco', pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(
    ann_file=ann_file, split='val', layout='coco', pipeline=test_pipeline))
