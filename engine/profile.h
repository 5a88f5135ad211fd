#pragma once
// Profiling: weight and activation statistics per site, and the float model's accuracy.

#include "data.h"
#include "graph.h"
#include "errors.h"
#include "model.h"
#include "stats.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace qs {

struct ProfileOptions {
    qint64 calibrationSamples = kDefaultCalibrationSamples; ///< taken from the start of the data set
    qint64 evaluationLimit = -1;     ///< samples after the calibration ones; -1 = all the rest
    int batchSize = kDefaultBatchSize;
    int histogramBins = 2048;
    /// A model that does not run on the data is still profiled: its layers and weight
    /// statistics, with ProfileReport::dataProblem saying why the rest is missing (the window
    /// opens such a model instead of refusing it). Off: the error is thrown, as the CLI wants.
    bool weightsWhenDataDoesNotFit = false;
};

struct LayerProfile {
    LayerInfo layer;
    TensorStats weight;     ///< per-channel ranges along the output-channel axis
    TensorStats activation; ///< the site's input over the calibration split; count 0 for embedding
};

struct ProfileReport {
    QString model;
    QString data;
    qint64 parameterCount = 0;
    QVector<LayerProfile> layers;
    qint64 calibrationSamples = 0;
    qint64 evaluationSamples = 0;
    Metric metric = Metric::Agreement;
    bool hasAccuracy = false;
    double floatTop1 = 0;       ///< fraction in [0, 1] over the evaluation split (token windows: next tokens)
    double floatPerplexity = 0; ///< token windows only
    /// As TrialResult::floatScore: top-1 in percent (100 without labels: agreement), or perplexity.
    double floatScore() const
    {
        return metric == Metric::Perplexity ? floatPerplexity : metric == Metric::Accuracy ? 100 * floatTop1 : 100.0;
    }
    double calibrationSeconds = 0;
    double evaluationSeconds = 0;
    QStringList warnings;
    /// Why the model did not run on the data (weights only profiled); empty when it did.
    QString dataProblem;
    /// When forward returns several tensors (a tuple, list or dict): their indices or keys, and
    /// the one scored (Model::output(), or the default's choice). Empty for a single tensor.
    QStringList outputChoices;
    QString output;
    /// The model's layers and the ops between them (Graph view).
    ModelGraph graph;
};

/// Weight statistics of one site (no data needed).
TensorStats weightStats(const Model& model, int site, int bins = 2048);

/// Statistics of each site's input activation over `range`, through the probes.
QVector<TensorStats> activationStats(Model& model, const Dataset& data, SampleRange range, int batchSize,
                                     const JobControl& control, int bins = 2048);

struct FloatEvaluation {
    Metric metric = Metric::Accuracy;
    double top1 = 0;       ///< fraction; for token windows over every predicted next token
    double perplexity = 0; ///< token windows only
};

/// The float model's top-1 accuracy over `range` of a labelled data set, or its next-token
/// accuracy and perplexity on token windows.
FloatEvaluation evaluateFloat(Model& model, const Dataset& data, SampleRange range, int batchSize,
                              const JobControl& control);

/// The whole profile: shapes, weight stats, calibration, float evaluation. Reports progress in stages.
ProfileReport profile(Model& model, const Dataset& data, const ProfileOptions& options, const JobControl& control);

} // namespace qs
