"""PCAN backbone: stock RGBPoseConv3D with cross-modal ``FeatureInteraction``
blocks before the stage-2 and stage-3 lateral fusions (pcan.md 1.2)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmaction.models.backbones import RGBPoseConv3D
from mmaction.registry import MODELS


class MultiHeadCrossAttention(nn.Module):
    """Multi-head attention of query tokens x over key/value tokens y.

    x, y: (N, T, C) -> (N, T, C). Softmax(QKᵀ/√d), attention dropout 0.1,
    heads merged, then ``fc``.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 num_heads: int = 8) -> None:
        super().__init__()
        if out_channels % num_heads:
            raise ValueError(f'out_channels {out_channels} is not divisible '
                             f'by num_heads {num_heads}')
        self.num_heads = num_heads
        self.head_dim = out_channels // num_heads
        self.q_proj = nn.Linear(in_channels, out_channels)
        self.k_proj = nn.Linear(in_channels, out_channels)
        self.v_proj = nn.Linear(in_channels, out_channels)
        self.fc = nn.Linear(out_channels, out_channels)
        self.dropout = nn.Dropout(0.1)

    def _split(self, t: torch.Tensor) -> torch.Tensor:
        n, length, _ = t.shape
        return t.reshape(n, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        q, k, v = self._split(self.q_proj(x)), self._split(
            self.k_proj(y)), self._split(self.v_proj(y))
        attn = (q @ k.transpose(-2, -1)) / self.head_dim ** 0.5
        attn = self.dropout(attn.softmax(dim=-1))
        out = (attn @ v).transpose(1, 2).flatten(2)
        return self.fc(out)


class FeatureInteraction(nn.Module):
    """Cross-modal gate between RGB (N, Cr, 8, h, w) and pose (N, Cs, 32, h, w).

    Both are embedded to H channels and max-pooled to 8 temporal tokens
    (``avgpooling`` is a max pool, as upstream); RGB tokens attend to pose
    tokens, then pose tokens attend to the *updated* RGB tokens. Each
    output gates its input: ``x + proj(tokens) · x`` (broadcast over h, w).
    """

    def __init__(self, rgb_channels: int = 512, skt_channels: int = 128,
                 hidden_channels: int = 128, num_heads: int = 8) -> None:
        super().__init__()
        self.avgpooling = nn.AdaptiveMaxPool3d((8, 1, 1))
        self.conv1 = nn.Conv3d(rgb_channels, hidden_channels, 1)
        self.conv2 = nn.Conv3d(skt_channels, hidden_channels, (4, 1, 1),
                               stride=(4, 1, 1))
        self.conv4 = nn.Conv3d(hidden_channels, rgb_channels, 1)
        self.conv5 = nn.ConvTranspose3d(hidden_channels, skt_channels,
                                        (4, 1, 1), stride=(4, 1, 1))
        self.rgb_cross_attn = MultiHeadCrossAttention(
            hidden_channels, hidden_channels, num_heads)
        self.skt_cross_attn = MultiHeadCrossAttention(
            hidden_channels, hidden_channels, num_heads)

    def _tokens(self, x: torch.Tensor) -> torch.Tensor:
        """(N, H, T, h, w) -> (N, 8, H)."""
        return self.avgpooling(x).flatten(2).transpose(1, 2)

    @staticmethod
    def _map(tokens: torch.Tensor) -> torch.Tensor:
        """(N, 8, H) -> (N, H, 8, 1, 1)."""
        return tokens.transpose(1, 2)[..., None, None]

    def forward(self, rgb: torch.Tensor,
                skt: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        r = self._tokens(self.conv1(rgb))
        s = self._tokens(self.conv2(skt))
        r = self.rgb_cross_attn(r, s)
        s = self.skt_cross_attn(s, r)
        rgb_out = rgb + self.conv4(self._map(r)) * rgb
        skt_out = skt + self.conv5(self._map(s)) * skt
        return rgb_out, skt_out


def _out_channels(layer: nn.Module) -> int:
    return layer[-1].conv3.bn.num_features


@MODELS.register_module()
class PCANRGBPoseConv3D(RGBPoseConv3D):
    """RGBPoseConv3D + ``featuredifference2`` / ``featuredifference3``.

    Takes (imgs (N, 3, 8, H, W), heatmap_imgs (N, K, 32, H/4, W/4)), no
    labels, and returns (x_rgb, x_pose) like the stock backbone.
    ``interaction_hidden``: hidden widths of the two blocks (default: the
    pose widths at the fusion points, 128 and 256 for the official model).
    """

    def __init__(self, *args, interaction_heads: int = 8,
                 interaction_hidden: Optional[Tuple[int, int]] = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rgb_ch = [_out_channels(self.rgb_path.layer2),
                  _out_channels(self.rgb_path.layer3)]
        pose_ch = [_out_channels(self.pose_path.layer1),
                   _out_channels(self.pose_path.layer2)]
        hidden = interaction_hidden or pose_ch
        self.featuredifference2 = FeatureInteraction(
            rgb_ch[0], pose_ch[0], hidden[0], interaction_heads)
        self.featuredifference3 = FeatureInteraction(
            rgb_ch[1], pose_ch[1], hidden[1], interaction_heads)

    def _lateral(self, path: nn.Module, name: str, feat: torch.Tensor,
                 detach: bool, drop: bool) -> Optional[torch.Tensor]:
        if not hasattr(path, name):
            return None
        out = getattr(path, name)(feat.detach() if detach else feat)
        return out.new_zeros(out.shape) if drop else out

    def _fuse(self, x_rgb, x_pose, interaction, rgb_lateral, pose_lateral,
              drops):
        """Gate both streams, then concatenate the laterals computed from
        the *un-gated* features (upstream order)."""
        gated_rgb, gated_pose = interaction(x_rgb, x_pose)
        from_pose = self._lateral(self.rgb_path, rgb_lateral, x_pose,
                                  self.rgb_detach, drops[0])
        from_rgb = self._lateral(self.pose_path, pose_lateral, x_rgb,
                                 self.pose_detach, drops[1])
        if from_pose is not None:
            gated_rgb = torch.cat((gated_rgb, from_pose), dim=1)
        if from_rgb is not None:
            gated_pose = torch.cat((gated_pose, from_rgb), dim=1)
        return gated_rgb, gated_pose

    def forward(self, imgs: torch.Tensor,
                heatmap_imgs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.training:
            drops = (bool(torch.rand(1) < self.rgb_drop_path),
                     bool(torch.rand(1) < self.pose_drop_path))
        else:
            drops = (False, False)
        rgb, pose = self.rgb_path, self.pose_path
        x_rgb = rgb.layer2(rgb.layer1(rgb.maxpool(rgb.conv1(imgs))))
        x_pose = pose.layer1(pose.maxpool(pose.conv1(heatmap_imgs)))
        x_rgb, x_pose = self._fuse(x_rgb, x_pose, self.featuredifference2,
                                   'layer2_lateral', 'layer1_lateral', drops)
        x_rgb, x_pose = rgb.layer3(x_rgb), pose.layer2(x_pose)
        x_rgb, x_pose = self._fuse(x_rgb, x_pose, self.featuredifference3,
                                   'layer3_lateral', 'layer2_lateral', drops)
        return rgb.layer4(x_rgb), pose.layer3(x_pose)
