"""A TFDS dataset of your own, defined in a pipeline file, used by name."""

import textwrap

import numpy as np

from tfxlearn import data as tfx_data
from tfxlearn import evaluation, pipeline

PIPELINE = textwrap.dedent(
    '''
    import numpy as np
    import tensorflow_datasets as tfds

    class MyStripes(tfds.core.GeneratorBasedBuilder):
        """Horizontal or vertical stripes, 8x8 gray images."""

        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            return tfds.core.DatasetInfo(
                builder=self,
                features=tfds.features.FeaturesDict({
                    "image": tfds.features.Image(shape=(8, 8, 1)),
                    "label": tfds.features.ClassLabel(names=["horizontal", "vertical"]),
                }),
            )

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(40, 0), "test": self._generate_examples(20, 1)}

        def _generate_examples(self, n, seed):
            rng = np.random.default_rng(seed)
            for i in range(n):
                stripes = np.zeros((8, 8, 1), np.uint8)
                stripes[::2] = 200
                image = stripes if i % 2 == 0 else stripes.transpose(1, 0, 2)
                noise = rng.integers(0, 30, (8, 8, 1), dtype=np.uint8)
                yield i, {"image": image + noise, "label": i % 2}

    def get_config(smoke=False):
        from tfxlearn import pipeline
        config = pipeline.load_config("rotation_fashion_mnist", smoke=True)
        config["dataset"].update(name="my_stripes", max_train=None, max_test=None)
        config["encoder"]["args"] = {"input_shape": [8, 8, 1], "widths": [4, 8]}
        return config
    '''
)


def test_a_builder_defined_in_a_pipeline_file_is_a_dataset_by_name(tmp_path, tfds_dir):
    path = tmp_path / "my_pipeline.py"
    path.write_text(PIPELINE)
    config = pipeline.load_config(str(path))  # defining the class registers it with TFDS
    assert config["dataset"]["name"] == "my_stripes"
    examples = list(tfx_data.load("my_stripes", "train").as_numpy_iterator())
    assert len(examples) == 40 and examples[0]["image"].shape == (8, 8, 1)
    data = evaluation.EvalData("my_stripes")
    assert data.num_classes == 2 and len(data.test[1]) == 20
    np.testing.assert_array_equal(np.bincount(data.train[1]), [20, 20])
