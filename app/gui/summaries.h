#pragma once
// The rich-text lines above the layer table: the open model, the trial shown, its run on int8
// kernels and the search that found it.

#include "int8.h"
#include "profile.h"
#include "session.h"

#include <QString>

namespace qs {

/// "<b>model</b> · N parameters · N quantizable layers<br>Data: … · calibration … · float top-1 …"
QString modelSummaryHtml(const QString& modelName, const ProfileReport& report);
/// "<b>Trial #12</b> (settings): top-1 <b>…</b> (float …, <b>change</b>) · output SQNR … · size …", with
/// its warnings in italics.
QString trialSummaryHtml(const ShownTrial& trial);
/// "<b>int8 kernels</b> (engine, N layers): top-1 … beside fake-quant … · latency …"
QString int8SummaryHtml(const Int8Result& r);

/// Help ▸ Quick Tour: what each area of the window shows and the way through a first session.
QString quickTourHtml();
/// The About box: version, what QuantScope answers, what it is built on, its licence.
QString aboutHtml();

} // namespace qs
