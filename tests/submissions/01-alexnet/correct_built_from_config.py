"""A correct answer written differently from the solution: features built in a
loop from a table of layers, ReLU not in place, AdaptiveAvgPool2d(6) given as an
int, x.reshape(len(x), -1) to flatten, and parameters counted with numpy.prod over
named_parameters."""

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
