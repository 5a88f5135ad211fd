#pragma once
// A trial written in the export formats that need no model on the engine thread (json, python,
// csv, report): one function for the window and the CLI.

#include "exportformat.h"
#include "profile.h"
#include "store.h"

#include <QByteArray>

namespace qs {

struct TrialExport {
    QString title;               ///< e.g. "trial 37 (search result) of fashion_mobilenet.pt"
    QString weightsFile;         ///< python: the weights file the script loads (trials with techniques)
    QString dataSpec;            ///< the data the trial was measured on
    QuantConfig config;
    TrialResult result;
    /// For the report: the recorded trial, every trial of its model, and the model's profile.
    StoredTrial stored;
    QVector<StoredTrial> trials;
    ProfileReport profile;
    /// A recorded trial; the report's trials and profile are the caller's to add.
    static TrialExport of(const StoredTrial& t);
};

/// The file's bytes. Throws EngineError(BadInput) for torchscript and int8 (they need the model)
/// and for a report of a trial that is not recorded.
QByteArray trialExportBytes(ExportFormat format, const TrialExport& e);

} // namespace qs
