"""Regenerate test/fixtures/torch/: small ResNets saved by PyTorch's torch.save, an input batch and PyTorch's embeddings.

Run with Debian's python3-torch (apt-get install python3-torch): /usr/bin/python3 scripts/make-torch-fixture.py
The networks are torchvision-style CIFAR ResNets (3x3 stride-1 stem, 1x1-conv shortcuts), as FeCAM's convs/resnet.py
names them; batch-norm running statistics are randomised so that the import must carry them over.
"""
import os
import sys
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bench'))
from torch_resnet import ResNet  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch')
torch.manual_seed(1993)


def randomise_bn(m):
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.2, 0.2)
            mod.num_batches_tracked.fill_(123)


MEAN, STD = [0.5071, 0.4865, 0.4409], [0.2673, 0.2564, 0.2762]
x01 = torch.rand(4, 3, 32, 32)
(x01.permute(0, 2, 3, 1).contiguous().numpy().astype('<f4') * 2 - 1).tofile(os.path.join(OUT, 'input-nhwc.f32'))  # the kit's [-1, 1], NHWC

cases = {
    # resnet20 at width 0.5: a plain state_dict with DataParallel's prefix.
    'resnet20-w0.5': (ResNet([3, 3, 3], [8, 16, 32], 8, False, 10), lambda sd: {'module.' + k: v for k, v in sd.items()}),
    # resnet18 at width 0.0625, FeCAM's stem, as PyCIL/FeCAM save_checkpoint writes it: {"tasks", "model_state_dict"} with convnet.
    'resnet18-w0.0625': (ResNet([2, 2, 2, 2], [4, 8, 16, 32], 4, True, 5), lambda sd: {'tasks': 0, 'model_state_dict': {'convnet.' + k: v for k, v in sd.items()}}),
}
for name, (net, wrap) in cases.items():
    randomise_bn(net)
    net.eval()
    with torch.no_grad():
        f = net.features((x01 - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1))
    torch.save(wrap(net.state_dict()), os.path.join(OUT, name + '.pth'))
    if name.startswith('resnet18'):
        # As PyCIL's IncrementalNet saves it: the head (fc.*) outside the convnet. prefix.
        torch.save({('fc.' + k[3:] if k.startswith('fc.') else 'convnet.' + k): v for k, v in net.state_dict().items()}, os.path.join(OUT, name + '-nohead.pth'))
    f.numpy().astype('<f4').tofile(os.path.join(OUT, name + '.features.f32'))
    print(name, tuple(f.shape), 'mean |f|', float(f.abs().mean()))
