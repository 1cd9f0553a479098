from .pcan_head import PCANHead
