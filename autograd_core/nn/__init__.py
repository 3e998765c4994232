"""Network primitives: convolution, pooling, dropout, embedding, losses, activations,
normalization pieces and recurrent steps.

Layouts are channels-last with Keras kernel layouts: conv2d x (N, H, W, C), w (kh, kw, in, out);
conv2d_transpose w (kh, kw, out, in); conv1d x (N, L, C), w (k, in, out); conv3d x (N, D, H, W, C),
w (kd, kh, kw, in, out); depthwise_conv2d w (kh, kw, C, multiplier). Zero padding and cropping
of images are ``autograd_core.pad`` and indexing; global pooling is also a plain ``max``/``mean``
over the spatial axes.
"""
from .activations import (relu, relu6, leaky_relu, elu, selu, gelu, silu, swish, softplus,  # noqa: F401
                          softsign, hard_sigmoid, hard_sigmoid_keras2, hard_silu, exponential, mish,
                          log_sigmoid, sigmoid, tanh, softmax, log_softmax, linear, celu, glu,
                          hard_tanh, hard_shrink, soft_shrink, tanh_shrink, sparse_plus,
                          squareplus, threshold, sparsemax, sparse_sigmoid)
from .conv import (conv1d, conv2d, conv3d, conv1d_transpose, conv2d_transpose,  # noqa: F401
                   conv3d_transpose)
from .depthwise import depthwise_conv1d, depthwise_conv2d  # noqa: F401
from .dropout import dropout  # noqa: F401
from .embedding import embedding  # noqa: F401
from .losses import (binary_crossentropy, categorical_crossentropy,  # noqa: F401
                     sparse_categorical_crossentropy, sigmoid_cross_entropy,
                     probability_cross_entropy, ctc_loss)
from .normalization import moments, batch_norm, layer_norm  # noqa: F401
from .pooling import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, global_max_pool,  # noqa: F401
                      global_avg_pool, upsampling2d, max_pool3d, avg_pool3d)
from .recurrent import simple_rnn_step, lstm_step, gru_step, lstm_sequence  # noqa: F401
