#include "graphview.h"

#include <graphviz/gvc.h>

#include <QFile>
#include <QFontMetricsF>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QSvgGenerator>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <memory>

namespace qs {

namespace {

constexpr double kPadX = 10, kPadY = 6; // points around a label

/// Node size in points for a label.
QSizeF nodeSize(const QString& label, const QFont& font, bool emphasised)
{
    QFont f = font;
    f.setBold(emphasised);
    const QFontMetricsF fm(f);
    return {fm.horizontalAdvance(label) + 2 * kPadX, fm.height() + 2 * kPadY};
}

void set(void* object, const char* name, const QByteArray& value)
{
    agsafeset(object, const_cast<char*>(name), const_cast<char*>(value.constData()), const_cast<char*>(""));
}

} // namespace

GraphLayout layoutGraph(const GraphPicture& picture, const QFont& font)
{
    GraphLayout out;
    const std::unique_ptr<GVC_t, int (*)(GVC_t*)> gvc(gvContext(), gvFreeContext);
    Agraph_t* g = agopen(const_cast<char*>("model"), Agdirected, nullptr);
    set(g, "rankdir", "TB");
    set(g, "nodesep", "0.2");
    set(g, "ranksep", "0.3");
    std::vector<Agnode_t*> nodes;
    for (int i = 0; i < picture.nodes.size(); ++i) {
        Agnode_t* n = agnode(g, QByteArray::number(i).data(), 1);
        const QSizeF size = nodeSize(picture.nodes[i].label, font, picture.nodes[i].emphasised);
        set(n, "shape", "box");
        set(n, "fixedsize", "true");
        set(n, "label", "");
        set(n, "width", QByteArray::number(size.width() / 72.0, 'f', 4)); // inches
        set(n, "height", QByteArray::number(size.height() / 72.0, 'f', 4));
        nodes.push_back(n);
    }
    std::vector<Agedge_t*> edges;
    for (const auto& [from, to] : picture.edges)
        edges.push_back(agedge(g, nodes[size_t(from)], nodes[size_t(to)], nullptr, 1));
    gvLayout(gvc.get(), g, "dot");
    const boxf bb = GD_bb(g);
    auto at = [&](pointf p) { return QPointF(p.x - bb.LL.x, bb.UR.y - p.y); }; // y down
    for (Agnode_t* n : nodes) {
        const QPointF c = at(ND_coord(n));
        const double w = ND_width(n) * 72, h = ND_height(n) * 72;
        out.nodes << QRectF(c.x() - w / 2, c.y() - h / 2, w, h);
    }
    for (Agedge_t* e : edges) {
        QPainterPath path;
        QPair<QPointF, QPointF> arrow;
        const splines* spl = ED_spl(e);
        if (spl && spl->size > 0) {
            const bezier& b = spl->list[0];
            path.moveTo(at(b.list[0]));
            for (int k = 1; k + 2 < b.size; k += 3)
                path.cubicTo(at(b.list[k]), at(b.list[k + 1]), at(b.list[k + 2]));
            const QPointF end = at(b.list[b.size - 1]);
            arrow = {end, b.eflag ? at(b.ep) : end};
        }
        out.edges << path;
        out.arrows << arrow;
    }
    out.bounds = QRectF(0, 0, bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y);
    gvFreeLayout(gvc.get(), g);
    agclose(g);
    return out;
}

QGraphicsScene* drawGraph(const GraphPicture& picture, const GraphLayout& layout, const QFont& font, const QPalette& palette,
                          QObject* parent)
{
    auto* scene = new QGraphicsScene(parent);
    const QColor ink = palette.color(QPalette::WindowText);
    const QColor edgeColour = palette.color(QPalette::Mid);
    scene->setBackgroundBrush(palette.color(QPalette::Base));
    for (int i = 0; i < layout.edges.size(); ++i) {
        auto* path = scene->addPath(layout.edges[i], QPen(edgeColour, 1.2));
        path->setZValue(0);
        const auto [base, tip] = layout.arrows[i];
        const QPointF d = tip - base;
        const double len = std::hypot(d.x(), d.y());
        if (len > 0) {
            const QPointF u = d / len, n(-u.y(), u.x());
            QPolygonF head;
            head << tip << base + n * len * 0.45 << base - n * len * 0.45;
            scene->addPolygon(head, QPen(edgeColour), QBrush(edgeColour))->setZValue(0);
        }
    }
    for (int i = 0; i < picture.nodes.size() && i < layout.nodes.size(); ++i) {
        const GraphPicture::Node& node = picture.nodes[i];
        const QRectF r = layout.nodes[i];
        QPainterPath shape;
        shape.addRoundedRect(r, node.emphasised ? 3 : r.height() / 2, node.emphasised ? 3 : r.height() / 2);
        const QColor fill = node.fill.isValid() ? node.fill : palette.color(QPalette::Base);
        auto* box = scene->addPath(shape, QPen(node.emphasised ? ink : edgeColour, node.emphasised ? 1.2 : 0.8), QBrush(fill));
        box->setZValue(1);
        box->setData(0, i);
        box->setToolTip(node.toolTip);
        QFont f = font;
        f.setBold(node.emphasised);
        auto* text = scene->addSimpleText(node.label, f);
        // Dark text on light fills, light on dark ones.
        text->setBrush(fill.lightnessF() < 0.45 ? QColor(Qt::white) : QColor(Qt::black));
        const QRectF t = text->boundingRect();
        text->setPos(r.center() - QPointF(t.width() / 2, t.height() / 2));
        text->setZValue(2);
        text->setData(0, i);
        text->setToolTip(node.toolTip);
    }
    QRectF bounds = layout.bounds;
    if (!picture.title.isEmpty()) {
        auto* title = scene->addSimpleText(picture.title, font);
        title->setBrush(ink);
        const QRectF t = title->boundingRect();
        title->setPos(bounds.left(), bounds.top() - t.height() - 8);
        bounds = bounds.united(title->sceneBoundingRect());
    }
    scene->setSceneRect(bounds.adjusted(-12, -12, 12, 12));
    return scene;
}

bool saveScene(QGraphicsScene* scene, const QString& path, QString* error)
{
    if (!scene) {
        *error = QObject::tr("there is no graph to save");
        return false;
    }
    const QRectF source = scene->sceneRect();
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QFile file(path); // opened here, so that a place it cannot write is one message, not Qt's warnings
        if (!file.open(QIODevice::WriteOnly)) {
            *error = QObject::tr("cannot write %1: %2").arg(path, file.errorString());
            return false;
        }
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(source.size().toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), source.size()));
        svg.setTitle(QStringLiteral("QuantScope model graph"));
        QPainter p;
        if (!p.begin(&svg)) {
            *error = QObject::tr("cannot write %1").arg(path);
            return false;
        }
        scene->render(&p, QRectF(QPointF(0, 0), source.size()), source);
        p.end();
        return true;
    }
    QImage image((source.size() * 2).toSize(), QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    scene->render(&p, QRectF(QPointF(0, 0), image.size()), source);
    p.end();
    if (!image.save(path)) {
        *error = QObject::tr("cannot write %1 (give a .svg or .png file)").arg(path);
        return false;
    }
    return true;
}

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent)
{
    setRenderHint(QPainter::Antialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
}

void GraphView::setPicture(const GraphPicture& picture)
{
    QGraphicsScene* old = scene();
    m_picture = picture;
    m_layout = layoutGraph(picture, font());
    setScene(drawGraph(picture, m_layout, font(), palette(), this));
    delete old;
    const int selected = m_selected;
    m_selected = -1;
    selectNode(selected);
}

void GraphView::fitAll()
{
    if (!scene())
        return;
    resetTransform();
    const QRectF r = scene()->sceneRect();
    const double f = std::min({1.0, viewport()->width() / std::max(1.0, r.width()), viewport()->height() / std::max(1.0, r.height())});
    scale(f, f);
    centerOn(r.center());
}

void GraphView::selectNode(int node)
{
    if (!scene())
        return;
    for (QGraphicsItem* item : scene()->items())
        if (item->data(1).toBool())
            delete item;
    m_selected = node >= 0 && node < m_layout.nodes.size() ? node : -1;
    if (m_selected < 0)
        return;
    const QRectF r = m_layout.nodes[m_selected].adjusted(-3, -3, 3, 3);
    auto* ring = scene()->addRect(r, QPen(palette().color(QPalette::Highlight), 2.5));
    ring->setData(1, true);
    ring->setZValue(3);
    ensureVisible(r, 40, 40);
}

void GraphView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton)
        for (QGraphicsItem* item : items(event->pos()))
            if (item->data(0).isValid()) {
                Q_EMIT nodeClicked(item->data(0).toInt());
                break;
            }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::wheelEvent(QWheelEvent* event)
{
    if (event->modifiers() & Qt::ControlModifier) { // Ctrl + wheel zooms; the wheel alone scrolls
        const double factor = std::pow(1.0015, event->angleDelta().y());
        scale(factor, factor);
        return;
    }
    QGraphicsView::wheelEvent(event);
}

} // namespace qs
