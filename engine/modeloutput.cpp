// Which of a model's outputs is scored: a tensor, a tuple's or list's first tensor, a dict's
// logits, or what --output names.

#include "errors.h"
#include "model_p.h"

#include <optional>

namespace qs {

namespace {

QString describe(const c10::IValue& v)
{
    if (v.isTensor())
        return QStringLiteral("a tensor");
    if (v.isGenericDict()) {
        QStringList keys;
        for (const auto& item : v.toGenericDict())
            keys << (item.key().isString() ? QString::fromStdString(item.key().toStringRef()) : QStringLiteral("?"));
        return QStringLiteral("a dict with keys %1").arg(keys.isEmpty() ? QStringLiteral("(none)") : keys.join(QStringLiteral(", ")));
    }
    if (v.isTuple() || v.isList())
        return QStringLiteral("a %1 of %2 items").arg(v.isTuple() ? QStringLiteral("tuple") : QStringLiteral("list"))
            .arg(v.isTuple() ? v.toTupleRef().elements().size() : v.toListRef().size());
    return QString::fromStdString(v.tagKind());
}

} // namespace

at::Tensor outputTensor(const c10::IValue& out, const QString& choice, const QString& modelName)
{
    auto fail = [&](const QString& why) -> at::Tensor {
        throw EngineError(ErrorKind::BadInput, QStringLiteral("%1: forward returned %2; %3").arg(modelName, describe(out), why));
    };
    if (out.isTensor()) {
        if (!choice.isEmpty())
            fail(QStringLiteral("--output %1 chooses from a tuple, list or dict").arg(choice));
        return out.toTensor();
    }
    if (out.isTuple() || out.isList()) {
        const std::vector<c10::IValue> items = out.isTuple() ? out.toTupleRef().elements().vec() : out.toListRef().vec();
        if (!choice.isEmpty()) {
            bool ok = false;
            const int i = choice.toInt(&ok);
            if (!ok || i < 0 || size_t(i) >= items.size())
                fail(QStringLiteral("--output %1 is not an index from 0 to %2").arg(choice).arg(items.size() - 1));
            return outputTensor(items[size_t(i)], QString(), modelName);
        }
        for (const c10::IValue& item : items) // the first tensor, looking into nested tuples
            if (item.isTensor() || item.isTuple() || item.isList() || item.isGenericDict())
                try {
                    return outputTensor(item, QString(), modelName);
                } catch (const EngineError&) {
                }
        fail(QStringLiteral("none of its items is a tensor"));
    }
    if (out.isGenericDict()) {
        const auto dict = out.toGenericDict();
        auto valueAt = [&](const QString& key) -> std::optional<c10::IValue> {
            for (const auto& item : dict)
                if (item.key().isString() && QString::fromStdString(item.key().toStringRef()) == key)
                    return item.value();
            return std::nullopt;
        };
        if (!choice.isEmpty()) {
            const auto v = valueAt(choice);
            if (!v || !v->isTensor())
                fail(QStringLiteral("--output %1 is not one of its tensor keys").arg(choice));
            return v->toTensor();
        }
        if (const auto logits = valueAt(QStringLiteral("logits")); logits && logits->isTensor())
            return logits->toTensor();
        std::vector<at::Tensor> tensors;
        for (const auto& item : dict)
            if (item.value().isTensor())
                tensors.push_back(item.value().toTensor());
        if (tensors.size() == 1)
            return tensors.front();
        fail(tensors.empty() ? QStringLiteral("none of its values is a tensor")
                             : QStringLiteral("it has no 'logits'; choose the output to score with --output KEY"));
    }
    return fail(QStringLiteral("not a tensor"));
}

QStringList outputChoices(const c10::IValue& out, const QString& choice, QString* scored)
{
    QStringList choices;
    const at::Tensor taken = outputTensor(out, choice, QString());
    auto consider = [&](const QString& name, const c10::IValue& v) {
        if (!v.isTensor())
            return;
        choices << name;
        if (scored && v.toTensor().is_same(taken))
            *scored = name;
    };
    if (out.isTuple() || out.isList()) {
        const std::vector<c10::IValue> items = out.isTuple() ? out.toTupleRef().elements().vec() : out.toListRef().vec();
        for (size_t i = 0; i < items.size(); ++i)
            consider(QString::number(i), items[i]);
    } else if (out.isGenericDict()) {
        for (const auto& item : out.toGenericDict())
            if (item.key().isString())
                consider(QString::fromStdString(item.key().toStringRef()), item.value());
    }
    return choices;
}

} // namespace qs
