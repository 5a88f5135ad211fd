#include "exportformat.h"

#include <QObject>
#include <QStringList>

namespace qs {

const QVector<ExportFormatInfo>& exportFormats()
{
    static const QVector<ExportFormatInfo> formats{
        {ExportFormat::Json, QStringLiteral("json"), QObject::tr("Trial &Configuration (JSON)…"), QStringLiteral("json"),
         QObject::tr("QuantScope configuration (*.json)"), QStringLiteral("the configuration"), false, false},
        {ExportFormat::Python, QStringLiteral("python"), QObject::tr("&PyTorch Script…"), QStringLiteral("py"),
         QObject::tr("Python script (*.py)"), QStringLiteral("a torch.ao.quantization script"), false, false},
        {ExportFormat::Csv, QStringLiteral("csv"), QObject::tr("Per-layer &Table (CSV)…"), QStringLiteral("csv"),
         QObject::tr("CSV table (*.csv)"), QStringLiteral("per-layer results"), false, false},
        {ExportFormat::TorchScript, QStringLiteral("torchscript"), QObject::tr("&TorchScript, Quantization Baked In…"),
         QStringLiteral("pt"), QObject::tr("TorchScript model (*.pt)"), QStringLiteral("the model with quantization baked in"),
         true, false},
        {ExportFormat::Int8, QStringLiteral("int8"), QObject::tr("&Int8 Model (TorchScript)…"), QStringLiteral("pt"),
         QObject::tr("TorchScript model (*.pt)"), QStringLiteral("real int8 kernels, with accuracy and latency"), true, false},
        {ExportFormat::Report, QStringLiteral("report"), QObject::tr("HTML &Report…"), QStringLiteral("html"),
         QObject::tr("HTML page (*.html)"), QStringLiteral("a one-page HTML report"), true, true},
    };
    return formats;
}

std::optional<ExportFormatInfo> exportFormat(const QString& name)
{
    for (const ExportFormatInfo& f : exportFormats())
        if (f.name == name)
            return f;
    return std::nullopt;
}

const ExportFormatInfo& exportFormat(ExportFormat format)
{
    for (const ExportFormatInfo& f : exportFormats())
        if (f.format == format)
            return f;
    return exportFormats().first();
}

QString exportFormatNames()
{
    QStringList names;
    for (const ExportFormatInfo& f : exportFormats())
        names << f.name;
    const QString last = names.takeLast();
    return names.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

} // namespace qs
