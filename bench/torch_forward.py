"""PyTorch peer of the kit's feature extraction forward pass (`npm run bench -- peers`): ResNet-20 (bench/torch_resnet.py,
the kit's architecture) in eval mode on random 32x32 images, batch 128, under torch.no_grad, at the thread count
given. Prints one JSON line: images per second, torch's version and build configuration (its BLAS and oneDNN).

Usage: torch_forward.py <threads> <batches>
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from torch_resnet import resnet20  # noqa: E402


def main():
    threads, batches = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = resnet20().eval()
    x = torch.randn(128, 3, 32, 32)
    with torch.no_grad():
        net.features(x)  # warm-up
        t0 = time.perf_counter()
        for _ in range(batches):
            net.features(x)
        secs = time.perf_counter() - t0
    print(json.dumps({"img_per_s": 128 * batches / secs, "threads": torch.get_num_threads(), "torch": torch.__version__, "config": torch.__config__.show()}))


if __name__ == "__main__":
    main()
