"""``keras.layers``: every layer class, ``Input``, ``serialize``/``deserialize``.

The Keras 2 submodule paths (``keras.layers.core``, ``.convolutional``, ``.pooling``,
``.recurrent``, ``.normalization``, ``.embeddings``, ``.merge``, ``.advanced_activations``,
``.wrappers``, ``.noise``) are modules of this package; ``.merging`` and ``.reshaping`` are
Keras 3's names.
"""
from .base import Layer, InputSpec
from .input_layer import Input, InputLayer, KerasTensor
from .core import (Dense, Activation, Dropout, SpatialDropout1D, SpatialDropout2D, Flatten, Reshape,
                   Permute, RepeatVector, Lambda, Masking, ActivityRegularization)
from .convolutional import (Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D,
                            Convolution1D, Convolution2D, Deconvolution2D, Convolution2DTranspose,
                            AtrousConvolution1D, AtrousConvolution2D, SeparableConvolution2D)
from .reshaping import (ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D, UpSampling1D,
                        UpSampling2D)
from .pooling import (MaxPooling1D, AveragePooling1D, MaxPooling2D, AveragePooling2D,
                      GlobalMaxPooling1D, GlobalAveragePooling1D, GlobalMaxPooling2D,
                      GlobalAveragePooling2D, MaxPool1D, AvgPool1D, MaxPool2D, AvgPool2D,
                      GlobalMaxPool1D, GlobalAvgPool1D, GlobalMaxPool2D, GlobalAvgPool2D)
from .convolutional import (Conv3D, Conv1DTranspose, Conv3DTranspose, DepthwiseConv1D,
                            SeparableConv1D, Convolution3D, Convolution1DTranspose,
                            Convolution3DTranspose, Deconvolution3D, SeparableConvolution1D)
from .pooling import (MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D, GlobalAveragePooling3D,
                      MaxPool3D, AvgPool3D, GlobalMaxPool3D, GlobalAvgPool3D)
from .pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
                      AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from .reshaping import ZeroPadding3D, Cropping3D, UpSampling3D
from .core import SpatialDropout3D
from .normalization import (BatchNormalization, LayerNormalization, GroupNormalization,
                            UnitNormalization, RMSNormalization)
from .core import Identity
from .einsum_dense import EinsumDense
from .attention import MultiHeadAttention, Attention, AdditiveAttention
from .embeddings import Embedding
from .recurrent import (RNN, SimpleRNN, LSTM, GRU, SimpleRNNCell, LSTMCell, GRUCell,
                        StackedRNNCells)
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .cudnn_recurrent import CuDNNLSTM, CuDNNGRU
from .local import LocallyConnected1D, LocallyConnected2D
from .wrappers import Wrapper, TimeDistributed, Bidirectional
from .merge import (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, add,
                    subtract, multiply, average, maximum, minimum, concatenate, dot, merge, Merge)
from .advanced_activations import ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU
from .noise import GaussianNoise, GaussianDropout, AlphaDropout
from .preprocessing import (Rescaling, Resizing, CenterCrop, RandomFlip, RandomRotation,
                            RandomZoom, RandomTranslation, RandomCrop, RandomContrast,
                            RandomBrightness, Normalization, Discretization, CategoryEncoding,
                            StringLookup, IntegerLookup, TextVectorization)
from .preprocessing import (RandomGrayscale, RandomHue, RandomSaturation, RandomColorJitter,
                            RandomColorDegeneration, RandomSharpness, RandomInvert,
                            RandomPosterization, Solarization, AutoContrast, Equalization)
from .preprocessing import (RandomGaussianBlur, RandomShear, RandomPerspective,
                            RandomElasticTransform)
from .preprocessing import RandomErasing, MixUp, CutMix, RandAugment, AugMix, Pipeline
from .preprocessing import Hashing, HashedCrossing
from .serialization import serialize, deserialize

__all__ = [name for name in dir() if not name.startswith("_")]
