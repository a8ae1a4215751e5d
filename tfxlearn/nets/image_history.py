"""A history of generated images for the discriminator (Shrivastava et al.,
"Learning from Simulated and Unsupervised Images through Adversarial Training",
CVPR 2017, section 2.3), as CycleGAN uses it (Zhu et al., ICCV 2017, section 4:
"we update the discriminators using a history of generated images rather than
the ones produced by the latest generators ... an image buffer that stores the
50 previously created images").

`ImageHistory(size, probability)` keeps up to `size` generated images in a
non-trainable `tf.Variable`. `layer(images, seed)` returns what the
discriminator should see, one image per input image, following CycleGAN's image
pool, one image after another in batch order:

- while the buffer is not full, the image is stored and returned;
- then, with probability `probability` (the paper's 1/2), a stored image chosen
  uniformly is returned and the new image takes its place; otherwise the new
  image is returned and the buffer is unchanged.

So once the buffer is full, each returned image is a past one with probability
`probability`. `size=0` turns the history off (the images come back unchanged).

Randomness is stateless: the draws come from `seed` (int [2], e.g. the
paradigm's per-step seed), so a resumed run or a replayed step makes the same
choices; the buffer and the count of stored images are saved with the model's
weights (checkpoints), so a resumed run continues with its history.

Per-replica behaviour (tf.distribute): under a `MirroredStrategy` each replica
holds a copy of the buffer. Every replica all-gathers the images of the whole
global batch (replica order = global batch order), runs the same stateless
draws over them and writes the same new buffer, then keeps the rows of its own
images; the copies therefore stay identical without further communication, and
one device and N replicas return the same images for the same global batch
(the paradigm contract's parity). The cost is one all-gather of the generated
images per step. Works eagerly and inside a compiled `train_step`; the buffer
must be built (`layer.build(images_shape)`) before the first traced step, which
a paradigm does in its constructor.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfxlearn.distribute import assign_on_replicas, global_batch, global_batch_positions


@keras.saving.register_keras_serializable(package="tfxlearn")
class ImageHistory(keras.layers.Layer):
    """A buffer of the last generated images (Shrivastava et al. 2017; CycleGAN's pool).

    Args:
        size: images kept (CycleGAN: 50); 0 disables the history.
        probability: once the buffer is full, the chance that an input image is
            swapped for a stored one (the paper: 0.5).
    """

    def __init__(self, size: int = 50, probability: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or int(size) != size or int(size) < 0:
            raise ValueError(f"size must be an int >= 0 (0 disables the history), got {size!r}")
        if isinstance(probability, bool) or not 0.0 <= float(probability) <= 1.0:
            raise ValueError(f"probability must be in [0, 1], got {probability!r}")
        self.size = int(size)
        self.probability = float(probability)

    def build(self, input_shape):
        shape = tuple(input_shape)[1:]
        if not shape or any(d is None for d in shape):
            raise ValueError(
                f"{self.name}: the per-image shape must be known to build the buffer, got "
                f"{tuple(input_shape)}"
            )
        self.image_shape = tuple(int(d) for d in shape)
        self.buffer = self.add_weight(
            shape=(self.size, *self.image_shape),
            initializer="zeros",
            trainable=False,
            autocast=False,
            name="buffer",
        )
        self.stored = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False, name="stored"
        )
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, images, seed=None):
        """The images the discriminator sees for `images` [batch, ...] (see the module doc).

        Args:
            images: generated images of this replica, [batch, *image_shape].
            seed: stateless seed, int [2]; required when `size` > 0.
        """
        images = tf.stop_gradient(tf.cast(images, self.buffer.dtype))
        if self.size == 0:
            return images
        if seed is None:
            raise ValueError(f"{self.name}: pass seed= (a stateless seed, int [2])")
        local = tf.shape(images)[0]
        everything = global_batch(images)  # the whole global batch, on every replica
        total = tf.shape(everything)[0]
        seed = tf.cast(seed, tf.int64)
        use_past = tf.random.stateless_uniform([total], seed) < self.probability
        slots = tf.random.stateless_uniform(
            [total], seed + tf.constant([0, 1], tf.int64), 0, self.size, tf.int32
        )

        def step(i, buffer, stored, out):
            image = everything[i]
            full = stored >= self.size
            swap = tf.logical_and(full, use_past[i])
            slot = tf.where(full, slots[i], tf.minimum(stored, self.size - 1))
            returned = tf.where(swap, buffer[slot], image)
            write = tf.logical_or(swap, tf.logical_not(full))
            buffer = tf.cond(
                write,
                lambda: tf.tensor_scatter_nd_update(buffer, [[slot]], image[None]),
                lambda: buffer,
            )
            stored = tf.minimum(stored + 1, self.size)
            return i + 1, buffer, stored, out.write(i, returned)

        out = tf.TensorArray(self.buffer.dtype, size=total, element_shape=self.image_shape)
        _, buffer, stored, out = tf.while_loop(
            lambda i, *_: i < total,
            step,
            (
                tf.constant(0),
                tf.convert_to_tensor(self.buffer),
                tf.convert_to_tensor(self.stored),
                out,
            ),
        )
        assign_on_replicas([self.buffer, self.stored], [buffer, stored])
        return tf.gather(out.stack(), global_batch_positions(local))

    def get_config(self):
        return {**super().get_config(), "size": self.size, "probability": self.probability}
