#pragma once
// The model's TorchScript graph collapsed to what a user thinks in: its quantizable layers and
// the ops between them that shape the data flow (adds, concatenations, pooling, means,
// activation functions, reshapes), with the data dependencies between them.

#include "model.h"

#include <QPair>
#include <QString>
#include <QVector>

namespace qs {

struct GraphNode {
    enum Kind { Input, Layer, Op, Output };
    Kind kind = Op;
    QString label;       ///< the layer's name, the op's name ("add", "cat", "relu", …) or "input" / "output"
    QString op;          ///< the TorchScript kind without its namespace ("conv2d", "add_", …)
    QVector<int> layers; ///< Layer: the sites it computes (several for one LSTM or GRU call)
};

struct ModelGraph {
    QVector<GraphNode> nodes;        ///< in the graph's order
    QVector<QPair<int, int>> edges;  ///< (from, to) node indices; the data flows from → to
    /// The node of a layer (row in model order), or -1.
    int nodeOfLayer(int layer) const;
};

/// The collapsed graph: node B depends on node A when a value of A reaches B through ops that
/// are not shown (probes, dropout, contiguous, …). Weights and constants are not data flow.
ModelGraph modelGraph(const Model& model);

} // namespace qs
