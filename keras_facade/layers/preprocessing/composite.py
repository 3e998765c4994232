"""Layers made of other augmentation layers (Keras 3): RandAugment, AugMix, Pipeline."""
import autograd_core as ag

from ..base import Layer
from .augmentation import (RandomBrightness, RandomContrast, RandomImageLayer, RandomRotation,
                           RandomTranslation, symmetric_factor)
from .color import (AutoContrast, Equalization, RandomColorDegeneration, RandomPosterization,
                    RandomSharpness, Solarization)
from .geometry import RandomShear

GEOMETRIC_AND_TONAL = ("random_shear", "random_translation", "random_rotation",
                       "random_posterization", "solarization", "auto_contrast", "equalization")
COLOR = ("random_brightness", "random_color_degeneration", "random_contrast",
         "random_sharpness")


def make_operations(names, factor, value_range, interpolation):
    """{name: layer} of the augmentations that RandAugment and AugMix choose from, all of
    strength ``factor`` (a (low, high) pair)."""
    makers = {
        "random_shear": lambda: RandomShear(factor, factor, interpolation=interpolation),
        "random_translation": lambda: RandomTranslation(factor, factor,
                                                        interpolation=interpolation),
        "random_rotation": lambda: RandomRotation(factor, interpolation=interpolation),
        "random_brightness": lambda: RandomBrightness(factor, value_range),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor, value_range),
        "random_contrast": lambda: RandomContrast(factor, value_range),
        "random_sharpness": lambda: RandomSharpness(factor, value_range),
        "random_posterization": lambda: RandomPosterization(max(1, int(8 * factor[1])),
                                                            value_range),
        "solarization": lambda: Solarization(factor, factor, value_range),
        "auto_contrast": lambda: AutoContrast(value_range),
        "equalization": lambda: Equalization(value_range)}
    return {name: makers[name]() for name in names}


class _Augmenter(RandomImageLayer):
    """Common arguments of RandAugment and AugMix; ``self._operations`` maps names to layers
    that draw from this layer's generator."""

    def __init__(self, value_range, factor, interpolation, names, seed, data_format, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range
        self.factor = symmetric_factor(type(self).__name__, "factor", factor, 0, 1)
        self.interpolation = interpolation
        self._operations = make_operations(names, self.factor, value_range, interpolation)
        self._own(self._operations.values())

    def get_config(self):
        return dict(super().get_config(), value_range=self.value_range, factor=self.factor,
                    interpolation=self.interpolation)


class RandAugment(_Augmenter):
    """Apply ``num_ops`` augmentations picked at random (with repetition, one pick per batch)
    among shear, translation, rotation, brightness, colour degeneration, contrast, sharpness,
    posterization, solarization, auto-contrast and equalization, all of strength ``factor``."""

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        names = GEOMETRIC_AND_TONAL[:3] + COLOR + GEOMETRIC_AND_TONAL[3:]
        super().__init__(value_range, factor, interpolation, names, seed, data_format, **kwargs)
        self.num_ops = int(num_ops)

    def _augment(self, x):
        operations = list(self._operations.values())
        for pick in self.generator().integers(0, len(operations), self.num_ops):
            x = operations[pick]._augment(x)
        return x

    def get_config(self):
        return dict(super().get_config(), num_ops=self.num_ops)


class AugMix(_Augmenter):
    """AugMix: ``num_chains`` chains of up to ``chain_depth`` random augmentations (each step may
    be skipped), blended with Dirichlet(alpha) weights, then mixed with the input by a
    Beta(alpha, alpha) weight and clipped to ``value_range``. ``all_ops=False`` leaves out the
    colour operations (brightness, colour degeneration, contrast, sharpness)."""

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0,
                 all_ops=True, interpolation="bilinear", seed=None, data_format=None, **kwargs):
        names = GEOMETRIC_AND_TONAL + (COLOR if all_ops else ())
        super().__init__(value_range, factor, interpolation, names, seed, data_format, **kwargs)
        self.num_chains, self.chain_depth = int(num_chains), int(chain_depth)
        self.alpha, self.all_ops = alpha, bool(all_ops)

    def _augment(self, x):
        generator = self.generator()
        chain_weights = generator.dirichlet([self.alpha] * self.num_chains)
        keep = float(generator.beta(self.alpha, self.alpha))
        operations = list(self._operations.values()) + [None]
        mixed = None
        for weight in chain_weights:
            chain = x
            for pick in generator.integers(0, len(operations), self.chain_depth):
                if operations[pick] is not None:
                    chain = operations[pick]._augment(chain)
            mixed = chain * float(weight) if mixed is None else mixed + chain * float(weight)
        return ag.clip(x * keep + mixed * (1.0 - keep), *sorted(self.value_range))

    def get_config(self):
        return dict(super().get_config(), num_chains=self.num_chains,
                    chain_depth=self.chain_depth, alpha=self.alpha, all_ops=self.all_ops)


class Pipeline(Layer):
    """Apply ``layers`` one after the other (passing the training flag on); unlike Sequential
    it is a layer, e.g. for a ``dataset.map`` augmentation."""

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True):
        for layer in self._pipeline_layers:
            inputs = layer(inputs, training=training)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        from ..serialization import serialize
        return {"layers": [serialize(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..serialization import deserialize
        config = dict(config)
        if not isinstance(config.get("layers"), (list, tuple)):
            raise ValueError(f"Pipeline: the config needs `layers`, a list of serialized "
                             f"layers, got layers={config.get('layers')!r}")
        config["layers"] = [deserialize(layer, custom_objects) for layer in config["layers"]]
        return cls(**config)
