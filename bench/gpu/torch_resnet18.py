"""PyTorch reference for bench/gpu/train-bench.ts: the same ResNet-18 (CIFAR stem) training step, batch 128, at 32x32 and
64x64, SGD momentum 0.9, on the GPU if there is one. Prints one markdown row per case; says so and exits 0 without torch."""
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print('torch is not installed: no PyTorch reference on this machine')
    sys.exit(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.sc = None
        if stride != 1 or cin != cout:
            self.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (self.sc(x) if self.sc is not None else x))


def resnet18(classes=100):
    layers, cin = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()], 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes))


def main():
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    print(f'torch {torch.__version__} on {torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"}')
    print('| network | input | batch | step (ms) | img/s |')
    print('|---|---|---|---|---|')
    for size in (32, 64):
        net = resnet18().to(dev)
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        x = torch.randn(128, 3, size, size, device=dev)
        y = torch.arange(128, device=dev) % 100

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()

        for _ in range(5):
            step()
        if dev == 'cuda':
            torch.cuda.synchronize()
        n = 20 if dev == 'cuda' else 2
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        if dev == 'cuda':
            torch.cuda.synchronize()
        ms = (time.perf_counter() - t0) / n * 1000
        print(f'| resnet18 (PyTorch) | {size}x{size} | 128 | {ms:.1f} | {128 / ms * 1000:.0f} |')


if __name__ == '__main__':
    main()
