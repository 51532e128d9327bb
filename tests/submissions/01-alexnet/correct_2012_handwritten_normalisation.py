"""A correct answer written differently: the paper's normalisation written as a
module (a sum of squares over five channels by average pooling), the layers
built from a list of settings."""

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
