"""A correct answer written differently from the solution: keyword-free layer
constructors, one nested forward expression with Tensor.flatten(start_dim=1), and
a count that multiplies by requires_grad instead of filtering."""

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
