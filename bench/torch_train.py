"""PyTorch peer of `npm run bench -- train-cores`: ResNet-20 (CIFAR, 1x1-conv shortcuts, as the kit's) training steps.

Prints one JSON line: images per second at each thread count, and torch.__config__.show() (which BLAS / oneDNN).
Same network, batch, input size, optimizer (SGD momentum 0.9, weight decay 5e-4) and loss as the kit's trainer.
"""
import json
import sys
import time
import os
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_resnet import resnet20  # noqa: E402

batch, steps = int(sys.argv[1]), int(sys.argv[2])
threads = [int(t) for t in sys.argv[3].split(',')]


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
