#pragma once
// Engine-private: what a TrialRunner keeps between trials (float references per evaluation batch
// size, calibrations and their traces, quantized weights). Shared by trial.cpp and
// trialcalibration.cpp.

#include "batches_p.h"
#include "prefix_p.h"
#include "techniques_p.h"
#include "trial.h"
#include "trialprobes_p.h"

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace qs {

/// One layer's AdaRound result, as a runner keeps it.
struct AdaRounded {
    at::Tensor weight; ///< the weight rounded as learnt (on the trial's grid)
    QByteArray up;     ///< LayerTrialResult::adaroundUp
    double flipped = 0, lossNearest = 0, loss = 0;
    bool keptNearest = false; ///< the learnt rounding lost to nearest on the layer's inputs
};

/// One layer's SeqMSE choice, as a runner keeps it.
struct SeqMseChoice : SeqMseLayer {};

/// The fake-quantized weights of a trial swapped into the model; the originals go back when
/// this is destroyed, on every way out.
class TrialRunner::SwappedWeights
{
public:
    explicit SwappedWeights(Model::Impl& m) : m_m(m) {}
    ~SwappedWeights()
    {
        // Newest first, so that a tensor swapped twice gets its true original back.
        for (auto it = m_originals.rbegin(); it != m_originals.rend(); ++it)
            swapTensor(m_m.module, it->first, it->second);
    }
    void swap(int site, const at::Tensor& value)
    {
        for (TensorSlot& old : swapSiteWeight(m_m.module, m_m, site, value))
            m_originals.push_back(std::move(old));
    }
    void swap(const std::vector<std::string>& path, const at::Tensor& value)
    {
        m_originals.emplace_back(path, swapTensor(m_m.module, path, value));
    }
    /// What the swaps replaced, oldest first.
    const std::vector<TensorSlot>& originals() const { return m_originals; }

private:
    Model::Impl& m_m;
    std::vector<TensorSlot> m_originals;
};

struct TrialRunner::Cache {
    /// What the evaluation at one batch size keeps: the float model's values are per batch.
    struct Evaluation {
        /// Float model output per evaluation batch computed so far; for token windows (whose
        /// logits are large) only for the error batches, undefined after them.
        std::vector<at::Tensor> outputs;
        std::vector<BatchScore> floatScores;              ///< per evaluation batch
        std::vector<std::vector<at::Tensor>> siteOutputs; ///< per error batch, per site
        std::unique_ptr<PrefixCache> prefix; ///< the float model's values kept at a cut, per batch
        /// Per error batch and site, the output-error sums of a site that runs float on float
        /// inputs (no error: the reference against itself), for the sites before a trial's start.
        std::map<std::pair<qint64, int>, ErrorSums> floatSiteSums;
    };
    std::map<int, Evaluation> evaluations; ///< per batch size
    std::map<QString, QVector<QParams>> calibrated;   ///< per activation spec, per site
    std::map<QString, QString> calibrationWarnings;   ///< per activation spec: non-finite values left out
    std::map<QString, CalibrationTrace> calibrationTraces; ///< per activation spec, when known
    int calibrationPasses = 0;
    struct QuantizedWeight {
        at::Tensor value;
        LayerTrialResult fields;
        QStringList warnings;
        at::Tensor correction; ///< bias correction for this weight (computed when first asked)
    };
    std::map<std::pair<int, QString>, QuantizedWeight> weights; ///< per site and weight spec
    std::optional<bool> sharesWeights;   ///< sites share a weight: trials always run the whole graph
    /// Cross-layer equalization: the equalized tensors and the runner that runs trials on them.
    /// Both per high-bias absorption (off, on).
    std::map<bool, std::unique_ptr<EqualizedTensors>> equalizedTensors;
    std::map<bool, std::unique_ptr<TrialRunner>> equalized;
    /// The float top-1 and perplexity of the model as loaded (what high-bias absorption trials
    /// are scored against), per evaluation limit (RunOptions), once measured.
    std::map<qint64, std::pair<double, double>> loadedFloat;
    /// Bias correction: each site's input means over the calibration split (InputMeanProbe).
    std::optional<std::vector<at::Tensor>> inputMeans;
    /// AdaRound: per layer and everything its inputs depend on (the settings of the layers up to
    /// it, bias correction, iterations).
    std::map<QString, AdaRounded> adarounded;
    std::map<QString, SeqMseChoice> seqmse; ///< per layer, keyed as adarounded
};

} // namespace qs
