"""PyTorch peer of tfxlearn's train steps (run in .venv-peers, not tfxlearn's env).

The same networks as tfxlearn's `conv_encoder()` (3 blocks of 3x3 conv without
bias -> batch norm -> ReLU -> 2x2 max-pool, widths 32/64/128, global average
pooling) with a linear head, Adam, batch 256 on 28x28x1 images, written in plain
PyTorch, for three steps:

- supervised: 10-way cross-entropy on the images;
- rotation: the batch is 64 images x 4 rotations (torch.rot90), 4-way head;
- moco: query encoder + 2-layer MLP head (128-d) trained with InfoNCE against a
  momentum key encoder and a 4096-key queue (temperature 0.15, momentum 0.99):
  the step tfxlearn's `moco` paradigm runs, without shuffled BN.

    python torch_steps.py STEP MODE IMAGES.npy [--steps N] [--threads T]

MODE is "eager", "compile" (torch.compile, default inductor backend) or
"eager+bf16" (eager under `torch.autocast("cpu", dtype=torch.bfloat16)`: the peer
of tfxlearn's `mixed_bfloat16` lever; weights and optimizer stay float32). Prints
one JSON line: {"step", "mode", "images_per_s", "seconds", "steps", "torch"}.
The images file holds uint8 [n, 28, 28, 1] (written by benchmarks/peers_speed.py).
"""

from __future__ import annotations

import argparse
import copy
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BATCH = 256


def conv_encoder(widths=(32, 64, 128)) -> nn.Module:
    layers, channels = [], 1
    for width in widths:
        layers += [
            nn.Conv2d(channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width, eps=1e-3, momentum=0.01),  # Keras' defaults
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]
        channels = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


def supervised_step(images: torch.Tensor):
    model = nn.Sequential(conv_encoder(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    labels = torch.randint(0, 10, (BATCH,))

    def step(x):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        return loss

    return model, step, BATCH


def rotation_step(images: torch.Tensor):
    model = nn.Sequential(conv_encoder(), nn.Linear(128, 4))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    labels = torch.arange(4).repeat(BATCH // 4)

    def step(x):
        quarter = x[: BATCH // 4]
        rotated = torch.stack([torch.rot90(quarter, k, dims=(2, 3)) for k in range(4)], 1)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(rotated.flatten(0, 1)), labels)
        loss.backward()
        opt.step()
        return loss

    return model, step, BATCH


def moco_step(images: torch.Tensor, queue_size=4096, temperature=0.15, momentum=0.99):
    query = nn.Sequential(conv_encoder(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 128))
    key = copy.deepcopy(query).requires_grad_(False)
    opt = torch.optim.Adam(query.parameters(), lr=2e-3)
    queue = F.normalize(torch.randn(queue_size, 128), dim=1)
    batch = 64  # the pipeline's batch (two views each)
    state = {"ptr": 0}

    def step(x):
        q_in, k_in = x[:batch], torch.flip(x[:batch], dims=(3,))
        q = F.normalize(query(q_in), dim=1)
        with torch.no_grad():
            for p_k, p_q in zip(key.parameters(), query.parameters()):
                p_k.mul_(momentum).add_(p_q.detach(), alpha=1 - momentum)
            k = F.normalize(key(k_in), dim=1)
        logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue.T], 1) / temperature
        loss = F.cross_entropy(logits, torch.zeros(batch, dtype=torch.long))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ptr = state["ptr"]
        queue[ptr : ptr + batch] = k
        state["ptr"] = (ptr + batch) % queue_size
        return loss

    return query, step, batch


def autocast_bf16(step):
    """`step` with its forward, loss and backward under CPU bfloat16 autocast."""

    def bf16_step(x):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return step(x)

    return bf16_step


STEPS = {"supervised": supervised_step, "rotation": rotation_step, "moco": moco_step}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("mode", choices=["eager", "compile", "eager+bf16"])
    parser.add_argument("images")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    raw = np.load(args.images)[: BATCH * 8]
    x_all = torch.from_numpy(raw).permute(0, 3, 1, 2).float().div(255.0)
    model, step, per_step = STEPS[args.step](x_all)
    model.train()
    if args.mode == "compile":
        step = torch.compile(step)
    elif args.mode == "eager+bf16":
        step = autocast_bf16(step)
    batches = [x_all[(i * BATCH) % len(x_all) :][:BATCH] for i in range(8)]
    for i in range(5):  # warm up (and compile)
        step(batches[i % 8])
    start = time.perf_counter()
    for i in range(args.steps):
        step(batches[i % 8])
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "step": args.step,
                "mode": args.mode,
                "images_per_s": args.steps * per_step / seconds,
                "seconds": seconds,
                "steps": args.steps,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
