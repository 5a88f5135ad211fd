#pragma once
// The Pareto front of trials: no other trial is both smaller and at least as good.

#include <QVector>

namespace qs {

struct TradeOff {
    double size = 0;   ///< smaller is better
    double metric = 0; ///< larger is better (top-1)
};

/// Indices of the points on the front, by increasing size. Of equal points the first is kept.
QVector<int> paretoFront(const QVector<TradeOff>& points);

} // namespace qs
