"""PyTorch peer of `npm run bench -- train-cores`: ResNet-20 (CIFAR, 1x1-conv shortcuts, as the kit's) training steps.

Prints one JSON line: images per second at each thread count, and torch.__config__.show() (which BLAS / oneDNN).
Same network, batch, input size, optimizer (SGD momentum 0.9, weight decay 5e-4) and loss as the kit's trainer.
"""
import json
import sys
import time
import torch
import torch.nn as nn

batch, steps = int(sys.argv[1]), int(sys.argv[2])
threads = [int(t) for t in sys.argv[3].split(',')]


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))) + self.sc(x))


def resnet20(classes=100):
    layers, cin = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()], 16
    for s, c in enumerate([16, 32, 64]):
        for b in range(3):
            layers.append(Block(cin, c, 2 if (b == 0 and s > 0) else 1))
            cin = c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes))


out = {'config': torch.__config__.show(), 'torch': torch.__version__, 'img_per_s': {}}
for t in threads:
    torch.set_num_threads(t)
    torch.manual_seed(1)
    net = resnet20()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.arange(batch) % 100
    for i in range(steps + 1):
        if i == 1:
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
    out['img_per_s'][str(t)] = batch * steps / (time.perf_counter() - t0)
print(json.dumps(out))
