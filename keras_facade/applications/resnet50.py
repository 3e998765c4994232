"""Keras' ``keras.applications.resnet50`` module: ResNet50 and its preprocessing."""
from .resnet import ResNet50, decode_predictions, preprocess_input  # noqa: F401

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]
