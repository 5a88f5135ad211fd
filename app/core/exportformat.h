#pragma once
// The forms a trial exports to, in one table: the window's Export menu and file dialog and the
// CLI's --format read it.

#include <QString>
#include <QVector>

#include <optional>

namespace qs {

enum class ExportFormat { Json, Python, Csv, TorchScript, Int8, Report };

struct ExportFormatInfo {
    ExportFormat format;
    QString name;        ///< the CLI's --format value and the window's key: "json", "python", …
    QString menuText;    ///< the window's Export menu entry
    QString suffix;      ///< file name suffix, without the dot
    QString filter;      ///< file dialog filter
    QString description; ///< one line for the CLI's help
    bool needsModel;     ///< the trial's model must be loaded (torchscript, int8, report)
    bool needsGui;       ///< draws plots, so needs a QApplication (report)
};

/// Every export format, in menu order.
const QVector<ExportFormatInfo>& exportFormats();
/// The format named `name` ("json", "python", …), or nullopt.
std::optional<ExportFormatInfo> exportFormat(const QString& name);
const ExportFormatInfo& exportFormat(ExportFormat format);
/// "json, python, csv, torchscript, int8 or report".
QString exportFormatNames();

} // namespace qs
