# MiGA joint stream with heatmaps drawn on the model's device: the data
# workers ship keypoints (PackPoseKeypoints) instead of 48x56x56 heatmap
# volumes and HeatmapDataPreprocessor renders the same heatmaps after
# collation on the GPU (or CPU) the model runs on (docs/heatmaps.md,
# section 2). Model, schedule and checkpoints as the parent config.
_base_ = ['./slowonly_r50-emb20_2xb16-u48-100e_imigue-keypoint.py',
          '_base_/heatmaps_on_device.py']

model = dict(data_preprocessor={{_base_.heatmaps_on_device}})
left_kp = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]

decode = [dict(type='PoseDecode'),
          dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True)]
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1), *decode,
    dict(type='Resize', scale=(-1, 64)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    dict(type='PackPoseKeypoints')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1,
         test_mode=True), *decode,
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='PackPoseKeypoints')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=10,
         test_mode=True), *decode,
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='PackPoseKeypoints', double=True)
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
