#pragma once
// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"): for conv/linear layers
// joined by a ReLU, a ReLU6 or hardtanh(0, M) (its bound per channel, scaled along), or nothing,
// rescale the first layer's output channels and the second's input channels so that their weight
// ranges are equal; the float model computes the same.

#include "model.h"

#include <functional>

#include <QString>
#include <QVector>

namespace qs {

struct EqualizedPair {
    QString first, second;   ///< layer names
    QVector<double> scales;  ///< per channel: the first's channel divided by it, the second's multiplied
    /// High-bias absorption: per channel, what moved from the first's bias into the second's;
    /// empty when not asked for or when the first layer had no batch norm.
    QVector<double> absorbed;
};

struct CleResult {
    QVector<EqualizedPair> pairs;
    int rounds = 0; ///< passes over the pairs until no scale moved by more than 1e-8 (at most 100)
};

/// The consecutive conv/linear pairs cross-layer equalization applies to: the first layer's
/// output feeds only the second, directly or through one ReLU (or a ReLU6/hardtanh given
/// per-channel bounds when the model loaded); the second takes the first's
/// channels as its input channels (or, depthwise, as its channels). Layer rows in model order.
QVector<QPair<int, int>> equalizablePairs(const Model& model);

/// Equalizes the model's weights (and the first layers' biases) in place, pair by pair in model
/// order, repeated until the scales settle. Float32 arithmetic, as tests/reference/make_cle_reference.py.
/// With `absorbHighBias`, high-bias absorption follows (Techniques::highBiasAbsorption).
CleResult crossLayerEqualize(Model& model, bool absorbHighBias = false);

/// Calls `fn` with the model's weights equalized as a trial with cross-layer equalization has
/// them; the model is as before afterwards (also when fn throws).
void withEqualizedWeights(Model& model, const std::function<void()>& fn, bool absorbHighBias = false);

} // namespace qs
