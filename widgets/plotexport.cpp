#include "plotexport.h"

#include "qcp.h"

#include <QBuffer>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSettings>
#include <QSvgGenerator>

namespace qs {

QByteArray plotPng(QCustomPlot* plot, int width, int height, double scale)
{
    plot->resize(width, height);
    plot->replot(QCustomPlot::rpImmediateRefresh);
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    plot->toPixmap(width, height, scale).save(&buffer, "PNG");
    return png;
}

QString plotFileFilter()
{
    return QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)");
}

QString savePlot(QCustomPlot* plot, const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QLatin1String("png") && suffix != QLatin1String("pdf") && suffix != QLatin1String("svg"))
        return QObject::tr("cannot save %1: the name must end in .png, .pdf or .svg").arg(path);
    QSaveFile file(path);
    if (QFileInfo(path).isDir() || !file.open(QIODevice::WriteOnly))
        return QObject::tr("cannot write %1: %2").arg(path, QFileInfo(path).isDir() ? QObject::tr("it is a folder") : file.errorString());
    const int w = plot->width(), h = plot->height();
    bool ok = true;
    if (suffix == QLatin1String("png")) {
        ok = plot->toPixmap(w, h, 2.0).save(&file, "PNG"); // twice the screen resolution
    } else if (suffix == QLatin1String("pdf")) {
        QPdfWriter pdf(&file);
        pdf.setResolution(72); // one plot pixel is one point
        pdf.setPageSize(QPageSize(QSizeF(w, h), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setCreator(QStringLiteral("QuantScope"));
        QCPPainter painter(&pdf);
        plot->toPainter(&painter, w, h);
        ok = painter.end();
    } else {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(QStringLiteral("QuantScope plot"));
        QCPPainter painter(&svg);
        plot->toPainter(&painter, w, h);
        ok = painter.end();
    }
    if (!ok || !file.commit()) {
        file.cancelWriting();
        return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
    }
    return {};
}

void savePlotWithDialog(QCustomPlot* plot, QWidget* parent, const QString& suggestedName)
{
    QSettings settings;
    const QString dir = settings.value(QStringLiteral("files/exportDir"), QDir::homePath()).toString();
    QString selected;
    QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Save Plot As"), QDir(dir).filePath(suggestedName + QStringLiteral(".png")),
                                                plotFileFilter(), &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty()) // the filter's format when the name has none
        path += selected.contains(QLatin1String("pdf")) ? QStringLiteral(".pdf")
                : selected.contains(QLatin1String("svg")) ? QStringLiteral(".svg")
                                                           : QStringLiteral(".png");
    settings.setValue(QStringLiteral("files/exportDir"), QFileInfo(path).absolutePath());
    const QString error = savePlot(plot, path);
    if (!error.isEmpty())
        QMessageBox::critical(parent, QObject::tr("Cannot Save Plot"), error);
}

void addSavePlotMenu(QCustomPlot* plot, const QString& suggestedName, std::function<void()> resetZoom)
{
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot, suggestedName, resetZoom](const QPoint& pos) {
        QMenu menu(plot);
        if (resetZoom)
            menu.addAction(QObject::tr("Reset Zoom (double-click)"), plot, resetZoom);
        menu.addAction(QObject::tr("Save Plot As…"), plot, [plot, suggestedName] { savePlotWithDialog(plot, plot, suggestedName); });
        menu.exec(plot->mapToGlobal(pos));
    });
}

} // namespace qs
