#include "presets.h"

#include "errors.h"

namespace qs {

Task taskOf(Metric metric)
{
    return metric == Metric::Perplexity ? Task::LanguageModel : Task::Classifier;
}

QStringList weightSpecPresets()
{
    return {QStringLiteral("int8:per_channel:symmetric:minmax"), QStringLiteral("int8:per_tensor:symmetric:minmax"),
            QStringLiteral("int4:per_channel:symmetric:minmax"), QStringLiteral("int4:per_tensor:symmetric:minmax"),
            QStringLiteral("int4:group32:symmetric:minmax"),     QStringLiteral("int4:group128:symmetric:minmax"),
            QStringLiteral("int3:per_channel:symmetric:minmax"), QStringLiteral("int3:group128:symmetric:minmax"),
            QStringLiteral("int2:per_channel:symmetric:minmax"), QStringLiteral("float16"),
            QStringLiteral("bfloat16"),                          QStringLiteral("float")};
}

QStringList activationSpecPresets()
{
    return {QStringLiteral("uint8:per_tensor:affine:histogram"), QStringLiteral("uint8:per_tensor:affine:minmax"),
            QStringLiteral("uint8:per_tensor:affine:mse"),       QStringLiteral("int8:per_tensor:symmetric:histogram"),
            QStringLiteral("uint4:per_tensor:affine:histogram"), QStringLiteral("uint4:per_tensor:affine:mse"),
            QStringLiteral("float16"),                           QStringLiteral("float")};
}

TaskDefaults taskDefaults(Task task)
{
    TaskDefaults d;
    if (task == Task::LanguageModel) {
        d.config = QuantConfig::languageModelPreset();
        d.sensitivityWeight = d.config.weight;
        d.searchBits = {3, 4, 8, 32}; // group-wise 2-bit ruins language models
        d.maxDrop = 0.1;              // perplexity
    } else {
        d.sensitivityWeight = QuantSpec::parse(QStringLiteral("int4:per_channel:symmetric:minmax"));
        d.searchBits = {2, 4, 8, 32};
        d.maxDrop = 1.0; // points of top-1
    }
    return d;
}

QString formatBitChoices(const QVector<int>& bits)
{
    QStringList parts;
    for (int b : bits)
        parts << (b >= 32 ? QStringLiteral("float") : QString::number(b));
    return parts.join(u',');
}

} // namespace qs
