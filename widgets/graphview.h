#pragma once
// A directed graph drawn top to bottom: laid out by Graphviz's dot (libgvc), drawn with Qt's
// graphics view. Nodes are boxes (layers) or rounded labels (ops), filled as the caller says;
// a click on a node reports it; the picture saves as SVG or PNG.

#include <QColor>
#include <QGraphicsView>
#include <QPainterPath>
#include <QPair>
#include <QRectF>
#include <QString>
#include <QVector>

class QGraphicsScene;

namespace qs {

struct GraphPicture {
    struct Node {
        QString label;
        QString toolTip;
        QColor fill;          ///< invalid: the window's base colour
        bool emphasised = false; ///< a layer (a box with a border), not an op between layers
    };
    QVector<Node> nodes;
    QVector<QPair<int, int>> edges; ///< (from, to)
    QString title;                  ///< drawn above the graph (what the colours mean)
};

/// Where Graphviz's dot puts each node (a rectangle, in points, y down) and each edge (a cubic
/// Bézier path ending where its arrowhead starts, and the arrowhead's tip).
struct GraphLayout {
    QVector<QRectF> nodes;
    QVector<QPainterPath> edges;
    QVector<QPair<QPointF, QPointF>> arrows; ///< (base, tip) per edge
    QRectF bounds;
};

/// Lays the graph out with Graphviz's dot, nodes sized to their labels in `font`.
GraphLayout layoutGraph(const GraphPicture& picture, const QFont& font);

/// Draws a laid out picture into a new scene (node i is the item with data(0) == i).
QGraphicsScene* drawGraph(const GraphPicture& picture, const GraphLayout& layout, const QFont& font, const QPalette& palette,
                          QObject* parent);

/// Saves the scene as SVG (by the file's suffix) or PNG; false with `error` set when it cannot write.
bool saveScene(QGraphicsScene* scene, const QString& path, QString* error);

class GraphView : public QGraphicsView
{
    Q_OBJECT
public:
    explicit GraphView(QWidget* parent = nullptr);
    void setPicture(const GraphPicture& picture);
    /// Outlines one node (-1: none) and scrolls to it.
    void selectNode(int node);
    int selectedNode() const { return m_selected; }
    int nodeCount() const { return m_layout.nodes.size(); }
    const GraphLayout& currentLayout() const { return m_layout; }
    bool save(const QString& path, QString* error) { return saveScene(scene(), path, error); }
    /// Scales the view so that the whole graph shows (1 would be its natural size); never above 1.
    void fitAll();

Q_SIGNALS:
    void nodeClicked(int node);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    GraphPicture m_picture;
    GraphLayout m_layout;
    int m_selected = -1;
};

} // namespace qs
