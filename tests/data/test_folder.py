"""A folder of your own images as a dataset: `folder:PATH`, and `image_size`."""

import numpy as np
import pytest
import tensorflow as tf

import tfxlearn
from tfxlearn import data as tfx_data
from tfxlearn import evaluation


def _folder(root, sizes=((10, 12), (12, 12)), per_class=5):
    """train/ and test/ with classes 'dark' and 'light' of RGB PNGs of several sizes."""
    for split in ("train", "test"):
        for c, name in enumerate(("dark", "light")):
            (root / split / name).mkdir(parents=True)
            for k in range(per_class):
                h, w = sizes[k % len(sizes)]
                image = np.full((h, w, 3), 30 + 180 * c, np.uint8)
                tf.io.write_file(str(root / split / name / f"{k}.png"), tf.io.encode_png(image))
    return f"folder:{root}"


def test_a_folder_is_a_dataset_with_slices_that_hold_every_class(tmp_path):
    name = _folder(tmp_path / "images")
    whole = list(tfx_data.load(name, "train", image_size=(8, 8, 1)).as_numpy_iterator())
    assert len(whole) == 10 and all(e["image"].shape == (8, 8, 1) for e in whole)
    assert all(e["image"].dtype == np.uint8 for e in whole)
    # The fixed-seed order mixes the classes; the same in every call.
    again = [e["label"] for e in tfx_data.load(name, "train", image_size=(8, 8, 1))]
    assert [e["label"] for e in whole] == [int(x) for x in again]
    train, val = (
        [int(e["label"]) for e in tfx_data.load(name, s, image_size=(8, 8, 3))]
        for s in tfx_data.validation_splits("train", 0.2)
    )
    assert len(train) == 8 and len(val) == 2 and set(train) == {0, 1}
    with tfx_data.forbid_splits("test"), pytest.raises(tfx_data.ForbiddenSplitError):
        tfx_data.load(name, "test")


def test_eval_data_on_a_folder_resizes_or_says_how(tmp_path):
    name = _folder(tmp_path / "images")
    with pytest.raises(ValueError, match=r"different sizes: pass image_size"):
        evaluation.EvalData(name).train  # noqa: B018
    data = evaluation.EvalData(name, image_size=(8, 8, 1))
    encoder = tfxlearn.nets.conv_encoder(input_shape=(8, 8, 1), widths=(4,))
    assert evaluation.linear_probe(encoder, data)["accuracy"] == 1.0  # dark vs light
    wrong = evaluation.EvalData(name, image_size=(6, 6, 1))
    with pytest.raises(ValueError, match=r"image_size=\(height, width, channels\)\) resizes"):
        evaluation.linear_probe(encoder, wrong)


def test_bad_folders_and_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="is not a directory"):
        tfx_data.load(f"folder:{tmp_path}/nope", "train")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="split subfolders"):
        tfx_data.load(f"folder:{tmp_path}/empty", "train")
    name = _folder(tmp_path / "images", per_class=1)
    with pytest.raises(ValueError, match="no split 'validation'"):
        tfx_data.load(name, "validation")
    with pytest.raises(ValueError, match="channels 1 or 3"):
        evaluation.EvalData(name, image_size=(8, 8, 2))
