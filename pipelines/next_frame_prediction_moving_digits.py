"""Convolutional frame prediction with the gradient difference loss on moving
digits (Mathieu, Couprie & LeCun, ICLR 2016): the first 8 frames of each
16-frame clip, stacked along the channels, go through a conv encoder and a
conv-transpose decoder that outputs the next 8 frames at once; loss = L2 +
the image gradient difference loss (lambda_gdl 1, alpha 2). The adversarial
term is off here (`paradigm.args.discriminator` needs a `nets` entry, see
`tfxlearn.paradigms.NextFramePrediction`).

Evaluated twice:
- the model itself (`frame_prediction` model protocol): per-pixel BCE and MSE
  of its 8 predicted frames on 500 test clips, beside copying the last
  context frame (the blessing: BCE below copy-last's), and the strip of
  context | true vs predicted frames in the run's plots/frame_prediction.png;
- the representation: the encoder's features of the first 8 frames stacked,
  linear probe of the digit (`label`) and of the motion direction
  (`direction`), against a random-init encoder of the same architecture and
  the same encoder trained with all labels.

Budget: about 40 s per epoch of the 4,000 training clips on 2 CPU cores.
`tfxlearn run next_frame_prediction_moving_digits --smoke` runs the tiny
version (8-frame clips: 4 context, 4 future).
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    context = future = 4 if smoke else 8
    return {
        "name": "next_frame_prediction_moving_digits",
        "seed": 0,
        "dataset": {
            "name": "moving_digits/tiny" if smoke else "moving_digits/small",
            "train_split": "train",
            "test_split": "test",
            "pretext_image_key": "video",
            "image_key": "video",
        },
        "encoder": {
            "factory": "conv_encoder",
            # The context frames (grey) stacked along the channels.
            "args": {"input_shape": [32, 32, context], "widths": [32, 64, 128], "norm": "batch"},
        },
        # The paradigm and the op must agree on context and future.
        "paradigm": {
            "name": "next_frame_prediction",
            "args": {
                "context": context,
                "future": future,
                "decoder_widths": [64, 32, 16],
                "pixel_loss": "l2",
                "gdl_weight": 1.0,
                "gdl_alpha": 2.0,
            },
        },
        "pretext": {"name": "frame_prediction", "args": {"context": context, "future": future}},
        "train": {
            "epochs": 1 if smoke else (8 if full else 4),
            "batch_size": 16 if smoke else 32,
            "learning_rate": 1e-3,
            "shuffle_buffer": 4000,
        },
        "evaluation": {
            "label_keys": ["label", "direction"],
            "protocols": {"linear_probe": {}},
            "supervised_epochs": 1 if smoke else 2,
            "model_protocols": {"frame_prediction": {"max_clips": 500}},
            "blessing": {
                "model_protocol": "frame_prediction",
                "metric": "bce_gain_over_copy_last",
                "min": 0.0,
            },
        },
        "export": {"root": "saved_models", "model_name": "next_frame_prediction_moving_digits"},
    }
