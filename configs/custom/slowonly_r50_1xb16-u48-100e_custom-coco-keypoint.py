# PoseC3D (SlowOnly-R50 on keypoint heatmaps, the MiGA joint-stream settings)
# on one's own 2D COCO-17 keypoints, with the plain classifier (I3DHead, cross
# entropy only): no word vectors needed. With a word-vector file for the class
# names use slowonly_r50-emb20_1xb16-u48-100e_custom-coco-keypoint.py (+ the
# embedding loss). Data:
#   python tools/data/build_dataset.py VIDEO_ROOT --out data/custom
# Set the class count to the lines of data/custom/label_map.txt
# (--cfg-options model.cls_head.num_classes=N; a mismatch stops the run).
_base_ = '../miga/slowonly_r50-emb20_2xb16-u48-100e_imigue-keypoint.py'

model = dict(
    backbone=dict(in_channels=17),
    cls_head=dict(_delete_=True, type='I3DHead', in_channels=512,
                  num_classes=2, dropout_ratio=0.5, average_clips='prob'))
# what the model takes (inference reads it: docs/inference.md)
model_input = dict(kind='heatmaps', layout='coco', score=True)

data_root = 'data/custom/'
ann_file = data_root + 'skeleton_coco.pkl'
label_file = data_root + 'label_map.txt'
left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
heatmap = dict(type='FastGeneratePoseTarget', sigma=0.6, use_score=True,
               with_kp=True, with_limb=False)
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=10,
         test_mode=True),
    *val_pipeline[1:4],
    dict(heatmap, double=True, left_kp=left_kp, right_kp=right_kp),
    *val_pipeline[5:]
]
train_dataloader = dict(dataset=dict(ann_file=ann_file, layout='coco',
                                     split='train', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=ann_file, layout='coco',
                                   split='val', pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(ann_file=ann_file, layout='coco',
                                    split='val', pipeline=test_pipeline,
                                    labels_hidden=False))
# fine-tuning (--cfg-options load_from=CKPT): a classifier of another class
# count keeps its init (logged)
load_partial = ['cls_head.fc_cls.*']
