"""``python -m keras_facade [--compat keras2] SCRIPT.py [ARGS...]``: run a Keras script on keras_facade."""
from keras_facade._runner import run

if __name__ == "__main__":
    run()
