#include "trialfiles.h"

#include "export.h"
#include "exportformat.h"
#include "settings.h"
#include "trialexport.h"
#include "trialhistory.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QSettings>

namespace qs {

TrialFiles::TrialFiles(Session* session, QWidget* window) : QObject(window), m_session(session), m_window(window)
{
    connect(session, &Session::baked, this, [this](const QString& path) {
        Q_EMIT message(tr("Exported %1 as %2 to %3").arg(m_baking, m_bakingAs, QDir::toNativeSeparators(path)));
        Q_EMIT written(path, true);
    });
    connect(session, &Session::bakeFailed, this, [this](const QString& path, const QString& message) {
        Q_EMIT failed(tr("Cannot export"), message);
        Q_EMIT written(path, false);
    });
}

bool TrialFiles::exportTrial(const ShownTrial& trial, const QString& name, const QString& path)
{
    const std::optional<ExportFormatInfo> format = exportFormat(name);
    if (!trial.valid || !format) {
        Q_EMIT failed(tr("Nothing to export"), format ? tr("Run a trial, or pick one in the history, first.")
                                                      : tr("%1 is not an export format; use %2").arg(name, exportFormatNames()));
        return false;
    }
    if (format->format == ExportFormat::Int8) { // measured and saved by the int8 job
        m_session->runInt8(trial, path);
        return true;
    }
    if (format->format == ExportFormat::TorchScript) {
        m_baking = trial.title;
        m_bakingAs = tr("TorchScript");
        m_session->bake(trial, path);
        return true;
    }
    const bool withWeights = format->format == ExportFormat::Python && trial.config.techniques.any();
    try {
        TrialExport e;
        e.title = trial.title;
        e.dataSpec = m_session->dataSpec().toString();
        e.config = trial.config;
        e.result = trial.result;
        if (format->format == ExportFormat::Report && trial.id > 0) {
            e.stored = m_session->history()->trial(trial.id);
            e.trials = m_session->history()->trials();
            e.profile = m_session->profile();
        }
        if (withWeights) { // the weights the techniques changed, beside the script: the model's job
            const QString weights = weightsFileBeside(path);
            e.weightsFile = QFileInfo(weights).fileName();
            m_baking = trial.title;
            m_bakingAs = tr("a PyTorch script with its weights (%1)").arg(e.weightsFile);
            m_session->exportScriptWithWeights(trial, trialExportBytes(format->format, e), path, weights);
            return true;
        }
        writeFileAtomically(path, trialExportBytes(format->format, e));
    } catch (const EngineError& e) {
        Q_EMIT failed(tr("Cannot export"), e.message());
        return false;
    }
    Q_EMIT message(tr("Exported %1 to %2").arg(trial.title, QDir::toNativeSeparators(path)));
    return true;
}

void TrialFiles::exportWithDialog(const ShownTrial& trial, const QString& name)
{
    const ExportFormatInfo format = *exportFormat(name);
    const QString dir = QSettings().value(SettingsKeys::ExportDir, QDir::homePath()).toString();
    const QString path = QFileDialog::getSaveFileName(
        m_window, tr("Export"), QDir(dir).filePath(QStringLiteral("quantscope-trial.") + format.suffix), format.filter);
    if (path.isEmpty())
        return;
    QSettings().setValue(SettingsKeys::ExportDir, QFileInfo(path).absolutePath());
    exportTrial(trial, name, path);
}

bool TrialFiles::saveTrace(const QVector<LatencyProfile>& profiles, const QString& path)
{
    try {
        writeFileAtomically(path, chromeTrace(profiles));
    } catch (const EngineError& e) {
        Q_EMIT failed(tr("Save Chrome Trace"), e.message());
        return false;
    }
    Q_EMIT message(tr("Chrome trace saved to %1 (open it in ui.perfetto.dev or chrome://tracing)").arg(QDir::toNativeSeparators(path)));
    return true;
}

void TrialFiles::saveTraceWithDialog(const QVector<LatencyProfile>& profiles)
{
    const QString dir = QSettings().value(SettingsKeys::ExportDir, QDir::homePath()).toString();
    const QString path = QFileDialog::getSaveFileName(m_window, tr("Save Chrome Trace"),
                                                      QDir(dir).filePath(QStringLiteral("quantscope-latency.json")),
                                                      tr("Chrome trace (*.json)"));
    if (path.isEmpty())
        return;
    QSettings().setValue(SettingsKeys::ExportDir, QFileInfo(path).absolutePath());
    saveTrace(profiles, path);
}

QString TrialFiles::askImportPath()
{
    return QFileDialog::getOpenFileName(m_window, tr("Import Configuration"),
                                        QSettings().value(SettingsKeys::ExportDir).toString(),
                                        tr("QuantScope configurations (*.json);;All files (*)"));
}

std::optional<QuantConfig> TrialFiles::readConfiguration(const QString& path)
{
    try {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            throw EngineError(ErrorKind::BadInput, tr("cannot open %1: %2").arg(path, f.errorString()));
        const QuantConfig config = QuantConfig::fromJson(f.readAll(), path);
        if (m_session->isOpen())
            config.checkLayers(m_session->layerNames(), m_session->modelName());
        return config;
    } catch (const EngineError& e) {
        Q_EMIT failed(tr("Cannot import the configuration"), e.message());
        return std::nullopt;
    }
}

} // namespace qs
