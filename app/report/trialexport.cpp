#include "trialexport.h"

#include "export.h"
#include "format.h"
#include "report.h"

namespace qs {

TrialExport TrialExport::of(const StoredTrial& t)
{
    TrialExport e;
    e.title = trialTitle(t.id, t.name, t.modelName);
    e.dataSpec = t.dataSpec;
    e.config = t.settings;
    e.result = t.result;
    e.stored = t;
    return e;
}

QByteArray trialExportBytes(ExportFormat format, const TrialExport& e)
{
    switch (format) {
    case ExportFormat::Json: return e.config.toJson();
    case ExportFormat::Csv: return layerCsv(e.result);
    case ExportFormat::Python: {
        ExportSource source;
        source.title = e.title;
        source.dataSpec = e.dataSpec;
        source.config = e.config;
        source.result = e.result;
        const TrialOptions split = recordedTrialOptions(e.result); // the trial's own calibration split
        source.calibrationSamples = split.calibrationSamples;
        source.batchSize = split.batchSize;
        source.weightsFile = e.weightsFile;
        return pythonScript(source);
    }
    case ExportFormat::Report: {
        if (e.stored.id <= 0)
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("the trial shown is not in the trial database; a report needs a recorded trial"));
        ReportInput input;
        input.trial = e.stored;
        for (const StoredTrial& t : e.trials)
            if (t.dataSpec == e.stored.dataSpec)
                input.trials << t;
        input.profile = e.profile;
        return trialReportHtml(input);
    }
    case ExportFormat::TorchScript:
    case ExportFormat::Int8: break;
    }
    throw EngineError(ErrorKind::BadInput, QStringLiteral("%1 needs the trial's model").arg(exportFormat(format).name));
}

} // namespace qs
