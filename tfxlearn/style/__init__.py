"""Style transfer: render a content image in the style of another.

- Gatys, Ecker & Bethge (CVPR 2016): `transfer(content, style)` optimizes the
  image itself (L-BFGS or Adam) to minimize a content loss at a deep layer, a
  style loss on Gram matrices of several layers and total variation, through
  any Keras feature extractor.
- Johnson, Alahi & Fei-Fei (ECCV 2016): the `fast_style` paradigm
  (`tfxlearn.paradigms.get("fast_style")`) trains a feed-forward network with
  the same losses; `tfxlearn run fast_style_skimage_photos` trains one on
  scikit-image's photographs and exports a SavedModel `images -> stylized`.

Offline there are no ImageNet weights: the default extractor is a random-weight
multi-scale network (Ustyuzhaninov et al., ICLR 2017); VGG19 with ImageNet
weights is used when the Keras cache holds them.

    from tfxlearn import style
    result = style.transfer("astronaut", style.load_image("brick", channels=3), size=128)
    style.save_grid(result.images, "astronaut_brick.png")

The command `tfxlearn style CONTENT STYLE --out=stylized.png` does the same.
The losses live in `tfxlearn.losses` (`content_loss`, `gram_matrix`,
`style_loss`, `total_variation`, `PerceptualLoss`), the networks in
`tfxlearn.nets` (`random_texture_extractor`, `vgg19_extractor`,
`transformation_net`).
"""

from tfxlearn.data.image_file import SKIMAGE_IMAGES, load_image
from tfxlearn.losses import content_loss, gram_matrix, style_loss, total_variation
from tfxlearn.nets import (
    default_extractor,
    default_layers,
    random_texture_extractor,
    transformation_net,
    vgg19_extractor,
)
from tfxlearn.style.gatys import StyleTransferResult, resolve_extractor, transfer
from tfxlearn.visualize.render import save_grid

__all__ = [
    "transfer",
    "StyleTransferResult",
    "resolve_extractor",
    "load_image",
    "SKIMAGE_IMAGES",
    "gram_matrix",
    "style_loss",
    "content_loss",
    "total_variation",
    "default_extractor",
    "default_layers",
    "random_texture_extractor",
    "vgg19_extractor",
    "transformation_net",
    "save_grid",
]
