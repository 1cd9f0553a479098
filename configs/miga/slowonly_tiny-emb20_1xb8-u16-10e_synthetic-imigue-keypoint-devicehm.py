# The tiny MiGA joint config with heatmaps drawn on the model's device: the
# data workers ship keypoints (PackPoseKeypoints, KBs per sample instead of a
# heatmap volume) and HeatmapDataPreprocessor renders the same heatmaps after
# collation, on the CPU or GPU the model runs on (docs/heatmaps.md, section 2).
# Model, data and schedule as the parent; the model inputs are equal within
# 1e-5 (tests/configs/test_devicehm_configs.py).
_base_ = ['./slowonly_tiny-emb20_1xb8-u16-10e_synthetic-imigue-keypoint.py',
          '_base_/heatmaps_on_device.py']

model = dict(data_preprocessor={{_base_.heatmaps_on_device}})

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
