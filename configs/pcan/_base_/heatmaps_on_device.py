# PCAN's data preprocessor when the workers ship keypoints: the pose
# pathway's heatmaps are drawn after collation, on the model's device, with
# the FastGeneratePoseTarget arguments of ma52_rgbpose_pipelines.py, then the
# usual RGB + Pose preprocessing (docs/heatmaps.md, section 2). Used by the
# *-devicehm.py configs: model.data_preprocessor={{_base_.heatmaps_on_device}}
heatmaps_on_device = dict(
    _delete_=True,
    type='HeatmapDataPreprocessor',
    heatmap=dict(sigma=0.7, use_score=True, with_kp=True, with_limb=False,
                 scaling=0.25),
    preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor',
                      mean=[123.675, 116.28, 103.53],
                      std=[58.395, 57.12, 57.375], format_shape='NCTHW'),
            heatmap_imgs=dict(type='ActionDataPreprocessor'))))
