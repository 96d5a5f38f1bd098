"""The lesson's multilayer perceptron: parameters and forward pass, with dropout after each hidden layer.

The trainer runs the lesson's from-scratch ops compiled: each class below traces them once on MXNet symbols
into a cached graph with its memory planned once (static_alloc), so a training step is three calls into
MXNet (forward, backward, update) instead of one per op.
"""
from core.nn.mx import gluon, mx, nd
from core.nn.ops import dropout, relu, sgd_step, softmax_cross_entropy

STATIC = {"static_alloc": True, "static_shape": True}  # plan each graph's memory once, reuse it every call
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


    def _scaled(self, X, F):
        """X as the net reads it: uint8 pixels are scaled here, images already scaled pass through."""
        return scale_pixels(X, F) if self.pixels else X


class TrainLoss(_Compiled):
    """Per-example softmax cross-entropy of the net with dropout, from images and labels.

    Images are uint8 pixels, or (pixels=False) float32 already scaled by scale_pixels.
    """

    def __init__(self, params, drop_probs, pixels=True):
        super().__init__(params)
        self.drop_probs, self.pixels = tuple(drop_probs), pixels
        self.initialize()
        for name, value in zip(PARAM_NAMES, params):
            getattr(self, name).set_data(value)

    def hybrid_forward(self, F, X, y, **kwargs):
        y_hat = net(self._scaled(X, F), self._param_list(kwargs), self.drop_probs, True, F, self.units)
        return softmax_cross_entropy(y_hat, F.one_hot(y, NUM_OUTPUTS), F)


class Predict(_Compiled):
    """Predicted class per image, with every unit kept (no dropout), sharing TrainLoss's parameters."""

    def __init__(self, train_loss, pixels=True):
        params = [getattr(train_loss, name).data() for name in PARAM_NAMES]
        super().__init__(params, shared=train_loss.collect_params())
        self.pixels = pixels

    def hybrid_forward(self, F, X, **kwargs):
        y_hat = net(self._scaled(X, F), self._param_list(kwargs), train=False, F=F, units=self.units)
        return F.argmax(y_hat, axis=1)


class CountCorrect(Predict):
    """How many images the net (every unit kept) classifies as their labels y (float32): one number."""

    def hybrid_forward(self, F, X, y, **kwargs):
        return F.sum(super().hybrid_forward(F, X, **kwargs) == y)


class CountCorrectOn(CountCorrect):
    """CountCorrect for images cut down to the pixels `used` (their indices, float32): the first layer reads only
    those pixels' weights. A pixel blank in every image of a set adds nothing to any score, so leaving it out saves
    its multiply-adds and changes the scores only by the order in which their sums are rounded."""

    def hybrid_forward(self, F, X, y, used, **kwargs):
        kwargs["W1"] = F.take(kwargs["W1"], used, axis=1)  # W1 holds one row per unit, one column per pixel
        return super().hybrid_forward(F, X, y, **kwargs)


class SGDUpdate:
    """ops.sgd_step on every parameter, compiled into one call that writes the new values in place.

    The same call also stores the batch's mean loss (for the moving loss) in a one-element array,
    so a training step needs no further call.
    """

    def __init__(self, params, grads, lr):
        names = [f"param{i}" for i in range(len(params))], [f"grad{i}" for i in range(len(params))]
        steps = [sgd_step(mx.sym.var(p), mx.sym.var(g), lr) for p, g in zip(*names)]
        graph = mx.sym.Group(steps + [mx.sym.mean(mx.sym.var("loss"))])
        self._op = nd.CachedOp(graph, list(STATIC.items()))
        arrays = dict(zip(names[0] + names[1], list(params) + list(grads)))
        self._inputs = [arrays.get(name) for name in graph.list_inputs()]  # the order the graph reads them
        self._loss_at = graph.list_inputs().index("loss")
        self._params = list(params)

    def __call__(self, loss, mean_loss):
        """Step every parameter against its gradient; mean_loss <- the mean of loss."""
        inputs = list(self._inputs)
        inputs[self._loss_at] = loss
        self._op(*inputs, out=self._params + [mean_loss])
