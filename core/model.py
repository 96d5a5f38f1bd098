"""The lesson's multilayer perceptron: parameters and forward pass, with dropout after each hidden layer."""
from core.mx import gluon, mx, nd
from core.ops import dropout, relu, softmax_cross_entropy

NUM_INPUTS = 784
NUM_OUTPUTS = 10
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def layer_shapes(hidden=(256, 128), num_inputs=NUM_INPUTS, num_outputs=NUM_OUTPUTS):
    """Shapes of W1, b1, W2, b2, W3, b3 for the given hidden layer sizes."""
    sizes = (num_inputs, *hidden, num_outputs)
    shapes = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def init_params(seed, hidden=(256, 128), weight_scale=0.01):
    """Every weight and bias drawn from N(0, 1) * weight_scale, reproducibly from seed.

    Each weight matrix is drawn as (inputs, outputs), the lesson's layout, then stored transposed:
    one row per unit, the layout MXNet's fused dense layer reads.
    """
    mx.random.seed(seed)
    params = []
    for shape in layer_shapes(hidden):
        value = nd.random.normal(scale=weight_scale, shape=shape)
        params.append(value.T.copy() if len(shape) == 2 else value)
    return params


def dense(X, W, b, units, F=nd):
    """X times W transposed, plus b: the affine layer, `units` outputs (W holds one row per unit)."""
    return F.FullyConnected(X, W, b, num_hidden=units)


def net(X, params, drop_probs=(0.0, 0.0), train=False, F=nd, units=None):
    """Scores (no softmax) for a batch X of flattened images; dropout only when train is True.

    `units` (the layer widths) is needed only when F is mx.sym, where shapes are not known yet.
    """
    W1, b1, W2, b2, W3, b3 = params
    u1, u2, u3 = units or (b1.shape[0], b2.shape[0], b3.shape[0])
    h1 = relu(dense(X, W1, b1, u1, F), F)
    if train and drop_probs[0] > 0:  # dropout at 0 is the identity: skip the mask
        h1 = dropout(h1, drop_probs[0], F)
    h2 = relu(dense(h1, W2, b2, u2, F), F)
    if train and drop_probs[1] > 0:
        h2 = dropout(h2, drop_probs[1], F)
    return dense(h2, W3, b3, u3, F)


def scale_pixels(X_bytes, F=nd):
    """uint8 pixels 0..255 to float32 in [0, 1]."""
    return F.cast(X_bytes, dtype="float32") * (1 / 255)


class _Compiled(gluon.HybridBlock):
    """Holds the parameters so MXNet can compile ``net`` and the loss into one cached graph."""

    def __init__(self, params, shared=None):
        super().__init__(prefix="mlp_", params=shared)
        self.units = tuple(b.shape[0] for b in params[1::2])
        with self.name_scope():
            for name, value in zip(PARAM_NAMES, params):
                setattr(self, name, self.params.get(name, shape=value.shape, init=mx.init.Zero()))

    def _param_list(self, kwargs):
        return [kwargs[name] for name in PARAM_NAMES]


class TrainLoss(_Compiled):
    """Per-example softmax cross-entropy of the net with dropout, from uint8 images and labels."""

    def __init__(self, params, drop_probs):
        super().__init__(params)
        self.drop_probs = tuple(drop_probs)
        self.initialize()
        for name, value in zip(PARAM_NAMES, params):
            getattr(self, name).set_data(value)

    def hybrid_forward(self, F, X_bytes, y, **kwargs):
        y_hat = net(scale_pixels(X_bytes, F), self._param_list(kwargs), self.drop_probs, True, F, self.units)
        return softmax_cross_entropy(y_hat, F.one_hot(y, NUM_OUTPUTS), F)


class Predict(_Compiled):
    """Predicted class per image, with every unit kept (no dropout), sharing TrainLoss's parameters."""

    def __init__(self, train_loss):
        params = [getattr(train_loss, name).data() for name in PARAM_NAMES]
        super().__init__(params, shared=train_loss.collect_params())

    def hybrid_forward(self, F, X_bytes, **kwargs):
        y_hat = net(scale_pixels(X_bytes, F), self._param_list(kwargs), train=False, F=F, units=self.units)
        return F.argmax(y_hat, axis=1)
