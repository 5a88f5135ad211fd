#pragma once
// Engine-private: the float prefix of a trial, computed once. A trial that leaves every site
// before site S float computes, up to S's input probe, exactly what the float model computes;
// the model's graph is cut there into what comes before (run once per batch and kept) and the
// rest (run per trial on the kept values).

#include "model_p.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/script.h>

#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace qs {

class PrefixCache
{
public:
    /// `budgetBytes`: the most the kept values of all batches may take.
    PrefixCache(Model::Impl& model, qint64 budgetBytes);
    ~PrefixCache();

    /// Whether trials can start at `site`: its input probe is a node of the graph's top level
    /// (not inside a branch or loop) and the graph can be cut there. Otherwise why not.
    QString whyNotCut(int site);

    /// The model's output for batch `index` (inputs `x`), computed from the values kept at
    /// `site`'s cut, which are computed (from the inputs, or from the values kept at an earlier
    /// cut) when they are not kept yet. Empty when that batch's values do not fit the budget:
    /// the caller runs the whole model. Probes in the part run here see the current handler.
    std::optional<c10::IValue> runFrom(int site, qint64 index, const at::Tensor& x);

    /// Bytes kept now, and the batches that did not fit, for tests and the bench.
    qint64 keptBytes() const { return m_keptBytes; }
    int batchesNotKept() const { return m_notKept; }

private:
    struct Cut;
    struct Kept {
        int site = -1; ///< the cut the values are at
        std::vector<c10::IValue> values;
    };
    Cut* cut(int site);
    /// The live values at `c` for one batch: from those `kept` at an earlier cut, or from `x`.
    std::vector<c10::IValue> valuesAt(Cut& c, const Kept* kept, const at::Tensor& x);

    Model::Impl& m_model;
    qint64 m_budget;
    std::map<int, std::unique_ptr<Cut>> m_cuts;
    std::map<qint64, Kept> m_kept; ///< per batch index
    qint64 m_keptBytes = 0;
    int m_notKept = 0;
};

} // namespace qs
