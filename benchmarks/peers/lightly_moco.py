"""lightly's MoCo on Fashion-MNIST for a wall-clock budget (run in .venv-peers).

The peer of tfxlearn's `moco` paradigm in `benchmarks/peers_moco.py`: lightly's
building blocks as its MoCo example uses them (`MoCoProjectionHead`, a deep
copy of backbone + head as the momentum encoder updated by `update_momentum`,
`NTXentLoss` with a memory bank, its `MoCoV2Transform` views under a
`DataLoader`) around the same encoder architecture as tfxlearn's
`conv_encoder()` (`torch_steps.conv_encoder`), with the hyperparameters of
tfxlearn's `pipelines/moco_fashion_mnist.py` where both have one (batch 64,
queue 4096, temperature 0.15, momentum 0.99, Adam 2e-3 held constant since
neither side knows its step count in advance, crops 35-100%, brightness and
contrast jitter 0.4 with probability 0.8, horizontal flips; no blur, no
grayscale: the images are gray).

    python lightly_moco.py TRAIN.npy EVAL.npz OUT_DIR --budget 600 --checkpoints 5

TRAIN.npy: uint8 [n, 28, 28, 1] pretraining images. EVAL.npz: uint8 image
arrays to embed at every checkpoint ("fit", "validation") and at the last one
also "test". Training time is counted without the checkpoints' feature
extraction; at k/checkpoints of the budget the encoder's features are written
to OUT_DIR/lightly_<k>.npz with "train_seconds", "steps", "images".
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time

import numpy as np
import torch
from lightly.loss import NTXentLoss
from lightly.models.modules import MoCoProjectionHead
from lightly.models.utils import deactivate_requires_grad, update_momentum
from lightly.transforms import MoCoV2Transform
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch_steps import conv_encoder

BATCH = 64


class Views(Dataset):
    def __init__(self, images: np.ndarray, transform):
        self.images, self.transform = images, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i, :, :, 0], mode="L"))


class MoCo(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = conv_encoder()
        self.head = MoCoProjectionHead(128, 128, 128)
        self.backbone_momentum = copy.deepcopy(self.backbone)
        self.head_momentum = copy.deepcopy(self.head)
        deactivate_requires_grad(self.backbone_momentum)
        deactivate_requires_grad(self.head_momentum)

    def forward(self, x):
        return self.head(self.backbone(x))

    def forward_momentum(self, x):
        return self.head_momentum(self.backbone_momentum(x)).detach()


@torch.no_grad()
def features(backbone: nn.Module, images: np.ndarray) -> np.ndarray:
    backbone.eval()
    out = []
    for start in range(0, len(images), 512):
        x = torch.from_numpy(images[start : start + 512]).permute(0, 3, 1, 2).float() / 255.0
        out.append(backbone(x).numpy())
    backbone.train()
    return np.concatenate(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train")
    parser.add_argument("eval")
    parser.add_argument("out")
    parser.add_argument("--budget", type=float, default=600.0, help="training seconds")
    parser.add_argument("--checkpoints", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    images = np.load(args.train)
    evals = dict(np.load(args.eval))
    transform = MoCoV2Transform(
        input_size=images.shape[1],
        cj_prob=0.8,
        cj_bright=0.4,
        cj_contrast=0.4,
        cj_sat=0.0,
        cj_hue=0.0,
        min_scale=0.35,
        random_gray_scale=0.0,
        gaussian_blur=0.0,
        hf_prob=0.5,
        normalize=None,
    )
    loader = DataLoader(
        Views(images, transform),
        batch_size=BATCH,
        shuffle=True,
        drop_last=True,
        num_workers=args.workers,
        persistent_workers=args.workers > 0,
    )
    model = MoCo()
    criterion = NTXentLoss(temperature=0.15, memory_bank_size=(4096, 128))
    optimizer = torch.optim.Adam(
        list(model.backbone.parameters()) + list(model.head.parameters()), lr=2e-3
    )
    marks = [args.budget * (k + 1) / args.checkpoints for k in range(args.checkpoints)]
    trained, steps, start = 0.0, 0, time.perf_counter()
    while marks:
        for query, key in loader:
            update_momentum(model.backbone, model.backbone_momentum, m=0.99)
            update_momentum(model.head, model.head_momentum, m=0.99)
            loss = criterion(model(query), model.forward_momentum(key))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            steps += 1
            now = time.perf_counter()
            trained, start = trained + (now - start), now
            if trained >= marks[0]:
                marks.pop(0)
                last = not marks
                names = ["fit", "validation"] + (["test"] if last else [])
                out = {name: features(model.backbone, evals[name]) for name in names}
                path = os.path.join(args.out, f"lightly_{args.checkpoints - len(marks)}.npz")
                np.savez(path, train_seconds=trained, steps=steps, images=steps * BATCH, **out)
                start = time.perf_counter()  # the extraction is not training time
                if last:
                    break
    print(json.dumps({"steps": steps, "train_seconds": trained, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
