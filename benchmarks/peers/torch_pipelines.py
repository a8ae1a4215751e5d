"""PyTorch peer of tfxlearn's pretext input pipelines (run in .venv-peers).

The way a PyTorch user writes a pretext input pipeline: a map-style `Dataset`
that transforms one image at a time (torchvision `transforms.v2` where it has
the transform, tensor ops otherwise) and a `DataLoader` with worker processes
that collates batches. The same work as tfxlearn's ops with the benchmark
pipelines' settings, on 28x28x1 uint8 Fashion-MNIST images:

- rotation: the 4 quarter turns of each image (torch.rot90) and labels 0-3;
- jigsaw: 2 puzzles per image, each a 2x2 grid of 10-pixel tiles cropped at
  random positions inside their 14-pixel cells, shuffled by one of the 24
  permutations, each tile normalized to zero mean and unit std;
- moco_views: two views per image, each RandomResizedCrop(28, scale
  (0.35, 1)) + horizontal flip + brightness/contrast jitter (0.4) with
  probability 0.8.

    python torch_pipelines.py OP IMAGES.npy [--batch 64] [--workers 2] [--batches 200]

Prints one JSON line: {"op", "samples_per_s", "images_per_s", "seconds", ...};
a sample is one output example (4 per image for rotation, one pair of views for
moco_views).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2


class RotationSet(Dataset):
    def __init__(self, images: np.ndarray):
        self.images = torch.from_numpy(images).permute(0, 3, 1, 2)  # uint8 [n, 1, 28, 28]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = self.images[i].float().div(255.0)
        return torch.stack([torch.rot90(x, k, dims=(1, 2)) for k in range(4)]), torch.arange(4)


class JigsawSet(Dataset):
    def __init__(self, images: np.ndarray, grid=2, tile=10, permutations=24, per_image=2, seed=0):
        self.images = torch.from_numpy(images).permute(0, 3, 1, 2)
        self.grid, self.tile, self.per_image = grid, tile, per_image
        self.cell = images.shape[1] // grid
        cells = grid * grid
        rng = np.random.default_rng(seed)
        chosen = rng.choice(
            len(all_perms := list(itertools.permutations(range(cells)))),
            min(permutations, len(all_perms)),
            replace=False,
        )
        self.perms = torch.tensor([all_perms[c] for c in chosen])

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = self.images[i].float().div(255.0)
        puzzles = [self._puzzle(x) for _ in range(self.per_image)]
        return torch.stack([p for p, _ in puzzles]), torch.tensor([label for _, label in puzzles])

    def _puzzle(self, x):
        offsets = torch.randint(0, self.cell - self.tile + 1, (self.grid * self.grid, 2))
        tiles = []
        for c in range(self.grid * self.grid):
            top = (c // self.grid) * self.cell + int(offsets[c, 0])
            left = (c % self.grid) * self.cell + int(offsets[c, 1])
            t = x[:, top : top + self.tile, left : left + self.tile]
            tiles.append((t - t.mean()) / (t.std() + 1e-6))
        label = int(torch.randint(0, len(self.perms), ()))
        return torch.stack(tiles)[self.perms[label]], label


class MocoViewsSet(Dataset):
    def __init__(self, images: np.ndarray, crop_min=0.35):
        self.images = torch.from_numpy(images).permute(0, 3, 1, 2)
        self.augment = v2.Compose(
            [
                v2.RandomResizedCrop(images.shape[1], scale=(crop_min, 1.0), antialias=True),
                v2.RandomHorizontalFlip(),
                v2.RandomApply([v2.ColorJitter(brightness=0.4, contrast=0.4)], p=0.8),
                v2.ToDtype(torch.float32, scale=True),
            ]
        )

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = self.images[i]
        return self.augment(x), self.augment(x)


OPS = {"rotation": (RotationSet, 4), "jigsaw": (JigsawSet, 2), "moco_views": (MocoViewsSet, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("op", choices=sorted(OPS))
    parser.add_argument("images")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args()
    torch.manual_seed(0)
    images = np.load(args.images)
    dataset_class, per_image = OPS[args.op]
    loader = DataLoader(
        dataset_class(images),
        batch_size=args.batch,
        shuffle=False,
        num_workers=args.workers,
        persistent_workers=args.workers > 0,
        drop_last=True,
    )
    batches = itertools.chain.from_iterable(itertools.repeat(loader))
    for _ in range(5):  # start the workers
        next(batches)
    start = time.perf_counter()
    for _ in range(args.batches):
        next(batches)
    seconds = time.perf_counter() - start
    n_images = args.batches * args.batch
    print(
        json.dumps(
            {
                "op": args.op,
                "samples_per_s": n_images * per_image / seconds,
                "images_per_s": n_images / seconds,
                "seconds": seconds,
                "batch": args.batch,
                "workers": args.workers,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
