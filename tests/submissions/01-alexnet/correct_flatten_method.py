"""A correct answer written differently from the solution: keyword-free layer
constructors, one nested forward expression with Tensor.flatten(start_dim=1), and
a count that multiplies by requires_grad instead of filtering;
and for the 2012 network, features as an nn.Sequential of named
stages (an OrderedDict), F.local_response_norm inside a small wrapper module,
and nn.Flatten-free forward with view."""

# %% alexnet
class AlexNet(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.5):
        super(AlexNet, self).__init__()
        relu = lambda: nn.ReLU(True)
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, (11, 11), (4, 4), (2, 2)), relu(), nn.MaxPool2d((3, 3), (2, 2)),
            nn.Conv2d(64, 192, (5, 5), 1, (2, 2)), relu(), nn.MaxPool2d((3, 3), (2, 2)),
            nn.Conv2d(192, 384, 3, 1, 1), relu(),
            nn.Conv2d(384, 256, 3, 1, 1), relu(),
            nn.Conv2d(256, 256, 3, 1, 1), relu(), nn.MaxPool2d(3, 2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(output_size=(6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(9216, 4096), relu(),
            nn.Dropout(dropout), nn.Linear(4096, 4096), relu(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, images):
        return self.classifier(self.avgpool(self.features(images)).flatten(start_dim=1))


# %% count-parameters
def count_parameters(model):
    return sum(p.numel() * p.requires_grad for p in model.parameters())


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
