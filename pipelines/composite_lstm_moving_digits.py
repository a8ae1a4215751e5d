"""The LSTM composite model on moving digits (Srivastava, Mansimov &
Salakhutdinov, ICML 2015): a conv frame encoder and an encoder LSTM read the
first 8 frames of each 16-frame clip; from the LSTM's state one decoder LSTM
reconstructs those frames in reverse order and another predicts the next 8,
per-pixel binary cross-entropy on both.

Evaluated twice:
- the model itself (`frame_prediction` model protocol): per-pixel BCE and MSE
  of its 8 predicted frames on 500 test clips, beside copying the last
  context frame (the blessing: BCE below copy-last's), and the strip of
  context | true vs predicted frames in the run's plots/frame_prediction.png;
- the representation: the encoder LSTM's final state (h, c) on the first 8
  frames, linear probe of the digit (`label`) and of the motion direction
  (`direction`), against a random-init model of the same architecture and
  the same model trained with all labels.

Budget: about 40 s per epoch of the 4,000 training clips on 2 CPU cores
(frame encoder widths 16-32-64 flattened to 1,024 features, 256 LSTM units).
`tfxlearn run composite_lstm_moving_digits --smoke` runs the tiny version
(8-frame clips: 4 context, 4 future).
"""


def get_config(smoke: bool = False, full: bool = False) -> dict:
    context = future = 4 if smoke else 8
    return {
        "name": "composite_lstm_moving_digits",
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
            # Flattened, not pooled: the decoders need to know where the digit is.
            "args": {
                "input_shape": [32, 32, 1],
                "widths": [16, 32, 64],
                "norm": "batch",
                "pooling": "flatten",
            },
        },
        # The paradigm and the op must agree on context and future.
        "paradigm": {
            "name": "composite_lstm",
            "args": {
                "context": context,
                "future": future,
                "units": 64 if smoke else 256,
                "decoder_widths": [32, 16, 8],
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
            "encoder_options": {"features": "state"},
            "supervised_epochs": 1 if smoke else 2,
            "model_protocols": {"frame_prediction": {"max_clips": 500}},
            "blessing": {
                "model_protocol": "frame_prediction",
                "metric": "bce_gain_over_copy_last",
                "min": 0.0,
            },
        },
        "export": {"root": "saved_models", "model_name": "composite_lstm_moving_digits"},
    }
