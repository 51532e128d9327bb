"""A correct answer written differently from the solution: features built in a
loop from a table of layers, ReLU not in place, AdaptiveAvgPool2d(6) given as an
int, x.reshape(len(x), -1) to flatten, and parameters counted with numpy.prod over
named_parameters;
and for the 2012 network, the paper's normalisation written as a
module (a sum of squares over five channels by average pooling), the layers
built from a list of settings."""

# %% alexnet
class AlexNet(nn.Module):
    # (out_channels, kernel, stride, padding, pool afterwards)
    CONVS = [(64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False), (256, 3, 1, 1, False), (256, 3, 1, 1, True)]

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        layers, channels = [], 3
        for out_channels, kernel, stride, padding, pool in self.CONVS:
            layers.append(nn.Conv2d(channels, out_channels, kernel, stride, padding))
            layers.append(nn.ReLU())
            if pool:
                layers.append(nn.MaxPool2d(3, 2))
            channels = out_channels
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(6)
        hidden = 4096
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(channels * 36, hidden), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        for layer in self.features:
            x = layer(x)
        x = self.avgpool(x)
        return self.classifier(x.reshape(len(x), -1))


# %% count-parameters
import numpy as np


def count_parameters(model):
    total = 0
    for _, parameter in model.named_parameters():
        if parameter.requires_grad:
            total += int(np.prod(parameter.shape))
    return total


# %% alexnet2012
import torch.nn.functional as F


class ResponseNorm(nn.Module):
    """b = a / (k + alpha * sum over the n neighbouring channels of a^2) ** beta, the paper's formula."""

    def __init__(self, n=5, k=2.0, alpha=1e-4, beta=0.75):
        super().__init__()
        self.n, self.k, self.alpha, self.beta = n, k, alpha, beta

    def forward(self, a):
        squares = F.pad((a * a).unsqueeze(1), (0, 0, 0, 0, self.n // 2, (self.n - 1) // 2)).squeeze(1)
        window_sum = F.avg_pool3d(squares.unsqueeze(1), (self.n, 1, 1), stride=1).squeeze(1) * self.n
        return a / (self.k + self.alpha * window_sum) ** self.beta


class AlexNet2012(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        layers, channels = [], 3
        #             out, kernel, stride, padding, groups, normalise, pool
        for settings in [(96, 11, 4, 0, 1, True, True), (256, 5, 1, 2, 2, True, True), (384, 3, 1, 1, 1, False, False),
                         (384, 3, 1, 1, 2, False, False), (256, 3, 1, 1, 2, False, True)]:
            out, kernel, stride, padding, groups, normalise, pool = settings
            layers += [nn.Conv2d(channels, out, kernel, stride=stride, padding=padding, groups=groups), nn.ReLU()]
            layers += [ResponseNorm()] if normalise else []
            layers += [nn.MaxPool2d(3, 2)] if pool else []
            channels = out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(0.5),
                                        nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, num_classes))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.reshape(x.shape[0], -1))
