import tfxlearn


def _exemplar_batches(images: int = 4, views: int = 2):
    """One batch: `views` augmented views of each of `images` digits (surrogate classes)."""
    ds = tfxlearn.data.load("digits", "train").take(images)
    ds = ds.enumerate().map(lambda i, ex: {"image": ex["image"], "index": i}).batch(images)
    return tfxlearn.pretext.get("exemplar")(ds, num_classes=images, views=views)


EXAMPLES = {
    "exemplar": {
        "build": lambda norm: tfxlearn.paradigms.get("exemplar")(
            encoder=tfxlearn.nets.conv_encoder((8, 8, 1), widths=(4, 8), norm=norm),
            num_classes=4,
        ),
        "data": _exemplar_batches,
    },
}
