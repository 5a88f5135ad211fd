// graph: the model's graph collapsed to its layers and the ops between them, laid out by
// Graphviz, coloured by a recorded trial's per-layer figures, written as SVG or PNG.

#include "cli.h"

#include "graph.h"
#include "graphview.h"
#include "plotdata.h"
#include "runtime.h"
#include "store.h"

#include <QApplication>
#include <QGraphicsScene>

#include <memory>

namespace qs::cli {

int graphCommand(const QCommandLineParser& p)
{
    if (!p.isSet(QStringLiteral("out")))
        throw EngineError(ErrorKind::BadInput, QStringLiteral("graph needs --out FILE.svg (or .png)"));
    const QString path = p.value(QStringLiteral("out"));
    if (!path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive) && !path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
        throw EngineError(ErrorKind::BadInput, QStringLiteral("--out %1: give a .svg or .png file").arg(path));
    QString colourName = p.value(QStringLiteral("color"));
    if (colourName.isEmpty())
        colourName = p.isSet(QStringLiteral("trial")) ? QStringLiteral("output_sqnr") : QStringLiteral("none");
    const GraphColour colour = parseGraphColour(colourName);
    if (colour != GraphColour::None && !p.isSet(QStringLiteral("trial")))
        throw EngineError(ErrorKind::BadInput, QStringLiteral("--color needs --trial ID: the colours are a recorded trial's figures"));
    const QString modelPath = p.positionalArguments().value(1);
    const std::shared_ptr<Model> model = modelPath.isEmpty() ? loadDemoModel() : Model::load(modelPath);
    std::unique_ptr<StoredTrial> trial, against;
    auto load = [&](const QString& option) {
        auto t = std::make_unique<StoredTrial>(Store(dbPath(p), Store::Access::ReadOnly).trial(trialId(p.value(option))));
        if (t->modelSha256 != model->sha256())
            throw EngineError(ErrorKind::BadInput, QStringLiteral("trial %1 is of %2, not of %3 (give the trial's model as MODEL)")
                                                       .arg(t->id)
                                                       .arg(t->modelName, model->displayName()));
        return t;
    };
    if (p.isSet(QStringLiteral("trial")))
        trial = load(QStringLiteral("trial"));
    if (p.isSet(QStringLiteral("against"))) {
        if (!trial)
            throw EngineError(ErrorKind::BadInput, QStringLiteral("--against needs --trial ID: it colours one trial against another"));
        against = load(QStringLiteral("against"));
    }
    const ModelGraph g = modelGraph(*model);
    const GraphPicture picture = graphPicture(g, model->layers(), trial ? &trial->result : nullptr, colour,
                                              against ? &against->result : nullptr);
    const QFont font = QApplication::font();
    const GraphLayout layout = layoutGraph(picture, font);
    std::unique_ptr<QGraphicsScene> scene(drawGraph(picture, layout, font, QApplication::palette(), nullptr));
    QString error;
    if (!saveScene(scene.get(), path, &error))
        throw EngineError(ErrorKind::BadInput, error);
    int layers = 0, ops = 0;
    for (const GraphNode& n : g.nodes) {
        layers += n.kind == GraphNode::Layer;
        ops += n.kind == GraphNode::Op;
    }
    out() << "Wrote " << path << ": " << layers << " layers, " << ops << " ops between them, " << g.edges.size() << " edges.\n";
    return 0;
}

} // namespace qs::cli
