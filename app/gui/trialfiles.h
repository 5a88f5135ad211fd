#pragma once
// Files a trial goes to and comes from: exports in every exportFormats() format (with a file
// dialog from the menu) and configuration imports.

#include "session.h"

#include <QObject>

#include <optional>

class QWidget;

namespace qs {

class TrialFiles : public QObject
{
    Q_OBJECT
public:
    TrialFiles(Session* session, QWidget* window);
    /// Writes `trial` as `format` says; false after failed(). torchscript and int8 run on the
    /// engine thread (Session::baked / int8Finished tell when they are written).
    bool exportTrial(const ShownTrial& trial, const QString& format, const QString& path);
    /// Asks where, remembering the folder, then exports.
    void exportWithDialog(const ShownTrial& trial, const QString& format);
    /// Writes time profiles as a Chrome trace; false after failed().
    bool saveTrace(const QVector<LatencyProfile>& profiles, const QString& path);
    /// Asks where, then saveTrace().
    void saveTraceWithDialog(const QVector<LatencyProfile>& profiles);
    /// Asks for a configuration file to import; empty when the user cancelled.
    QString askImportPath();
    /// A configuration file checked against the open model; nullopt after failed().
    std::optional<QuantConfig> readConfiguration(const QString& path);

Q_SIGNALS:
    /// A file written on the engine thread (torchscript) was written, or could not be.
    void written(const QString& path, bool ok);
    void failed(const QString& title, const QString& message);
    void message(const QString& text);

private:
    Session* m_session;
    QWidget* m_window;
    QString m_baking;   ///< the title of the trial being exported on the engine thread
    QString m_bakingAs; ///< what that export writes, for its message
};

} // namespace qs
