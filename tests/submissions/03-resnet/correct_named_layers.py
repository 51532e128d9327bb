"""A correct answer written differently from the solution: other attribute names,
the projection as its own small module class, torch.relu in forward, the sum
accumulated in place and rectified with relu_()."""

# %% residual-block
class Projection(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, padding=0, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        return self.norm(self.conv(x))


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        needs_projection = stride > 1 or in_channels != out_channels
        self.conv_a = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.norm_a = nn.BatchNorm2d(out_channels)
        self.conv_b = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.norm_b = nn.BatchNorm2d(out_channels)
        self.shortcut = Projection(in_channels, out_channels, stride) if needs_projection else nn.Identity()

    def forward(self, x):
        h = torch.relu(self.norm_a(self.conv_a(x)))
        h = self.norm_b(self.conv_b(h))
        h += self.shortcut(x)
        return h.relu_()
