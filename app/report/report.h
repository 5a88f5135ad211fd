#pragma once
// A one-page HTML report of a trial: metrics, the accuracy-versus-size plot, the per-layer error
// chart and the histograms of the five layers with the largest error, as embedded images.
// Renders plots offscreen, so it needs a QApplication (the CLI makes an offscreen one).

#include "profile.h"
#include "store.h"

#include <QByteArray>
#include <QVector>

namespace qs {

struct ReportInput {
    StoredTrial trial;
    QVector<StoredTrial> trials; ///< every trial of the same model and data, for the size plot
    ProfileReport profile;       ///< weight and activation statistics of the same model and data
};

QByteArray trialReportHtml(const ReportInput& input);

} // namespace qs
