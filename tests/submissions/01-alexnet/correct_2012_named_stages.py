"""A correct answer written differently: features as an nn.Sequential of named
stages (an OrderedDict), F.local_response_norm inside a small wrapper module,
and nn.Flatten-free forward with view."""

# %% alexnet2012
from collections import OrderedDict

import torch.nn.functional as F


class LRN(nn.Module):
    def forward(self, x):
        return F.local_response_norm(x, size=5, alpha=5 * 1e-4, beta=0.75, k=2.0)  # torch divides alpha by size


class AlexNet2012(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 96, (11, 11), stride=(4, 4))), ("relu1", nn.ReLU()), ("norm1", LRN()), ("pool1", nn.MaxPool2d(3, 2)),
            ("conv2", nn.Conv2d(96, 256, (5, 5), padding=(2, 2), groups=2)), ("relu2", nn.ReLU()), ("norm2", LRN()), ("pool2", nn.MaxPool2d(3, 2)),
            ("conv3", nn.Conv2d(256, 384, 3, padding=1)), ("relu3", nn.ReLU()),
            ("conv4", nn.Conv2d(384, 384, 3, padding=1, groups=2)), ("relu4", nn.ReLU()),
            ("conv5", nn.Conv2d(384, 256, 3, padding=1, groups=2)), ("relu5", nn.ReLU()), ("pool5", nn.MaxPool2d(3, 2)),
        ]))
        self.classifier = nn.Sequential(OrderedDict([
            ("drop6", nn.Dropout()), ("fc6", nn.Linear(256 * 36, 4096)), ("relu6", nn.ReLU()),
            ("drop7", nn.Dropout()), ("fc7", nn.Linear(4096, 4096)), ("relu7", nn.ReLU()),
            ("fc8", nn.Linear(4096, num_classes)),
        ]))

    def forward(self, x):
        features = self.features(x)
        return self.classifier(features.view(features.size(0), -1))
