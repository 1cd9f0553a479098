# The tiny MiGA joint config with heatmaps drawn on the model's device: the
# data workers ship keypoints (PackPoseKeypoints, KBs per sample instead of a
# heatmap volume) and HeatmapDataPreprocessor renders the same heatmaps after
# collation, on the CPU or GPU the model runs on (docs/heatmaps.md, section 2).
# Model, data and schedule as the parent; the model inputs are equal within
# 1e-5 (tests/test_devicehm_configs.py).
_base_ = ['./slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py']

left_kp = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
# the GeneratePoseTarget arguments, now the model's; test-time flip: the test
# pipeline packs with double=True
heatmap = dict(sigma=0.6, use_score=True, with_kp=True, with_limb=False,
               left_kp=left_kp, right_kp=right_kp)
model = dict(data_preprocessor=dict(
    _delete_=True, type='HeatmapDataPreprocessor', heatmap=heatmap,
    preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW')))

head = [dict(type='PoseDecode'),
        dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(32, 32), keep_ratio=False)]
train_pipeline = [dict(type='UniformSampleFrames', clip_len=16, num_clips=1),
                  *head, dict(type='PackPoseKeypoints')]
val_pipeline = [dict(type='UniformSampleFrames', clip_len=16, num_clips=1,
                     test_mode=True), *head, dict(type='PackPoseKeypoints')]
test_pipeline = [dict(type='UniformSampleFrames', clip_len=16, num_clips=2,
                      test_mode=True), *head,
                 dict(type='PackPoseKeypoints', double=True)]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
