"""CIFAR ResNets of basic blocks in PyTorch with torchvision's names (conv1/bn1 or FeCAM's Sequential stem,
layerS.B.{conv1,bn1,conv2,bn2,downsample}, fc) and 1x1-conv shortcuts, as the kit's ResNets: the peer of
bench/torch_train.py and the checkpoints of scripts/make-torch-fixture.py."""
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (self.downsample(x) if self.downsample is not None else x))


class ResNet(nn.Module):
    def __init__(self, blocks, channels, stem, sequential_stem, classes):
        super().__init__()
        if sequential_stem:  # FeCAM: conv1 = Sequential(conv, bn, relu)
            self.conv1 = nn.Sequential(nn.Conv2d(3, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU())
        else:
            self.conv1 = nn.Conv2d(3, stem, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(stem)
        self.sequential_stem = sequential_stem
        cin = stem
        for s, (n, c) in enumerate(zip(blocks, channels)):
            layers = []
            for b in range(n):
                layers.append(Block(cin, c, 2 if (b == 0 and s > 0) else 1))
                cin = c
            setattr(self, f'layer{s + 1}', nn.Sequential(*layers))
        self.stages = len(blocks)
        self.fc = nn.Linear(cin, classes)

    def features(self, x):
        x = self.conv1(x) if self.sequential_stem else torch.relu(self.bn1(self.conv1(x)))
        for s in range(self.stages):
            x = getattr(self, f'layer{s + 1}')(x)
        return x.mean(dim=(2, 3))

    def forward(self, x):
        return self.fc(self.features(x))


def resnet20(classes=100, width=1.0):
    c = [max(4, round(16 * width)), max(4, round(32 * width)), max(4, round(64 * width))]
    return ResNet([3, 3, 3], c, c[0], False, classes)
