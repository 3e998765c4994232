"""The ``SavingMixin`` of ``Model``: ``save_weights``, ``load_weights`` and ``save``."""


class SavingMixin:
    """Mixed into ``keras_facade.models.Model``; the formats are described in ``saving.api``."""

    def save_weights(self, filepath, overwrite=True, save_format=None):
        """Write the weights (HDF5): Keras 3 layout for ``*.weights.h5``, Keras 2 layout otherwise."""
        from . import api
        api.save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        """Load weights from a Keras 2 ``.h5``, Keras 3 ``.weights.h5`` or ``.keras`` file.

        ``by_name`` (Keras 2 files) matches layers by name instead of by order; ``skip_mismatch``
        skips (with a warning) the layers whose weights do not fit instead of raising. A file that
        does not fit leaves every weight unchanged.
        """
        from . import api
        api.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None):
        """Save the whole model: ``*.keras`` as Keras 3's zip, other names as Keras 2's HDF5."""
        from . import api
        api.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                       save_format=save_format)
