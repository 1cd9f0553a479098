# MiGA's data preprocessor when the workers ship keypoints: the joint
# heatmaps are drawn after collation, on the model's device, with the
# FastGeneratePoseTarget arguments of the keypoint configs (docs/heatmaps.md,
# section 2); official flip lists for the test-time flip, which the test
# pipeline asks for with PackPoseKeypoints(double=True). Used by the
# *-devicehm.py configs: model.data_preprocessor={{_base_.heatmaps_on_device}}
heatmaps_on_device = dict(
    _delete_=True,
    type='HeatmapDataPreprocessor',
    heatmap=dict(sigma=0.6, use_score=True, with_kp=True, with_limb=False,
                 left_kp=[1, 3, 5, 7, 9, 11, 13, 15, 17, 19],
                 right_kp=[2, 4, 6, 8, 10, 12, 14, 16, 18, 20]),
    preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW'))
