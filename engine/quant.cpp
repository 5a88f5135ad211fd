#include "quant.h"

#include "errors.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs {

namespace {

[[noreturn]] void bad(const QString& text, const QString& why)
{
    throw EngineError(ErrorKind::BadInput, QStringLiteral("quantization spec '%1': %2").arg(text, why));
}

int floorDiv2(int v)
{
    return v >= 0 ? v / 2 : -((-v + 1) / 2);
}

} // namespace

QString rangeMethodName(RangeMethod m)
{
    switch (m) {
    case RangeMethod::MinMax: return QStringLiteral("minmax");
    case RangeMethod::MovingAverageMinMax: return QStringLiteral("moving_average");
    case RangeMethod::Histogram: return QStringLiteral("histogram");
    case RangeMethod::Percentile: return QStringLiteral("percentile");
    case RangeMethod::Mse: return QStringLiteral("mse");
    case RangeMethod::Entropy: return QStringLiteral("entropy");
    case RangeMethod::Fixed: return QStringLiteral("range");
    }
    return {};
}

int QuantSpec::quantMin() const
{
    const int lo = isSigned ? -(1 << (bits - 1)) : 0;
    return reduceRange ? floorDiv2(lo) : lo;
}

int QuantSpec::quantMax() const
{
    const int hi = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    return reduceRange ? floorDiv2(hi) : hi;
}

QuantSpec QuantSpec::parse(const QString& text)
{
    QuantSpec s;
    const QStringList parts = text.trimmed().toLower().split(u':');
    const QString type = parts.value(0);
    if (type == QLatin1String("float") || type == QLatin1String("fp32")) {
        s.type = QuantType::Float;
    } else if (type == QLatin1String("float16") || type == QLatin1String("fp16")) {
        s.type = QuantType::Float16;
    } else if (type == QLatin1String("bfloat16") || type == QLatin1String("bf16")) {
        s.type = QuantType::BFloat16;
    } else if (type.startsWith(QLatin1String("uint")) || type.startsWith(QLatin1String("int"))) {
        s.isSigned = !type.startsWith(u'u');
        bool ok = false;
        s.bits = type.mid(s.isSigned ? 3 : 4).toInt(&ok);
        if (!ok)
            bad(text, QStringLiteral("'%1' is not a type; write int8, uint4, float16, bfloat16 or float").arg(type));
        if (s.bits < 2 || s.bits > 8)
            bad(text, QStringLiteral("%1 bits is not supported; integer types have 2 to 8 bits").arg(s.bits));
        s.symmetric = s.isSigned; // the usual pairing: int symmetric, uint affine
    } else {
        bad(text, QStringLiteral("'%1' is not a type; write int8, uint4, float16, bfloat16 or float").arg(type));
    }
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QString& p = parts[i];
        if (s.type != QuantType::Int)
            bad(text, QStringLiteral("'%1' applies only to integer types").arg(p));
        if (p == QLatin1String("per_tensor")) {
            s.granularity = Granularity::PerTensor;
        } else if (p == QLatin1String("per_channel")) {
            s.granularity = Granularity::PerChannel;
        } else if (p.startsWith(QLatin1String("per_channel")) && p.size() > 11) {
            bool ok = false;
            s.granularity = Granularity::PerChannel;
            s.axis = p.mid(11).toInt(&ok);
            if (!ok || s.axis < 0)
                bad(text, QStringLiteral("'%1': write per_channel or per_channelN for axis N").arg(p));
        } else if (p.startsWith(QLatin1String("group"))) {
            bool ok = false;
            s.granularity = Granularity::Group;
            s.groupSize = p.mid(5).toInt(&ok);
            if (!ok || s.groupSize <= 0)
                bad(text, QStringLiteral("group size must be a positive integer, as in group128"));
        } else if (p == QLatin1String("symmetric")) {
            s.symmetric = true;
        } else if (p == QLatin1String("affine") || p == QLatin1String("asymmetric")) {
            s.symmetric = false;
        } else if (p == QLatin1String("reduce_range")) {
            s.reduceRange = true;
        } else if (p == QLatin1String("minmax")) {
            s.method = RangeMethod::MinMax;
        } else if (p == QLatin1String("histogram")) {
            s.method = RangeMethod::Histogram;
        } else if (p == QLatin1String("mse")) {
            s.method = RangeMethod::Mse;
        } else if (p == QLatin1String("entropy")) {
            s.method = RangeMethod::Entropy;
        } else if (p.startsWith(QLatin1String("percentile"))) {
            s.method = RangeMethod::Percentile;
            if (p.size() > 10) {
                bool ok = false;
                s.percentile = p.mid(10).toDouble(&ok);
                if (!ok || s.percentile < 50 || s.percentile > 100)
                    bad(text, QStringLiteral("percentile must be between 50 and 100, as in percentile99.9"));
            }
        } else if (p == QLatin1String("range")) { // range:LO,HI — the next part is the range
            s.method = RangeMethod::Fixed;
            const QStringList bounds = parts.value(++i).split(u',');
            bool okLo = false, okHi = false;
            if (bounds.size() == 2) {
                s.fixedLo = bounds[0].toDouble(&okLo);
                s.fixedHi = bounds[1].toDouble(&okHi);
            }
            if (!okLo || !okHi || !std::isfinite(s.fixedLo) || !std::isfinite(s.fixedHi) || s.fixedLo >= s.fixedHi)
                bad(text, QStringLiteral("write a fixed range as range:LO,HI with LO below HI, as in range:-1.5,6"));
        } else if (p.startsWith(QLatin1String("moving_average"))) {
            s.method = RangeMethod::MovingAverageMinMax;
            if (p.size() > 14) {
                bool ok = false;
                s.averagingConstant = p.mid(14).toDouble(&ok);
                if (!ok || s.averagingConstant <= 0 || s.averagingConstant > 1)
                    bad(text, QStringLiteral("averaging constant must be in (0, 1], as in moving_average0.01"));
            }
        } else {
            bad(text, QStringLiteral("unknown option '%1'").arg(p));
        }
    }
    if (s.granularity != Granularity::PerTensor && s.method != RangeMethod::MinMax)
        bad(text, QStringLiteral("%1 ranges are per tensor; per-channel and group-wise ranges use minmax")
                      .arg(rangeMethodName(s.method)));
    return s;
}

QString QuantSpec::toString() const
{
    switch (type) {
    case QuantType::Float: return QStringLiteral("float");
    case QuantType::Float16: return QStringLiteral("float16");
    case QuantType::BFloat16: return QStringLiteral("bfloat16");
    case QuantType::Int: break;
    }
    QStringList parts{QStringLiteral("%1int%2").arg(isSigned ? "" : "u").arg(bits)};
    switch (granularity) {
    case Granularity::PerTensor: parts << QStringLiteral("per_tensor"); break;
    case Granularity::PerChannel:
        parts << (axis == 0 ? QStringLiteral("per_channel") : QStringLiteral("per_channel%1").arg(axis));
        break;
    case Granularity::Group: parts << QStringLiteral("group%1").arg(groupSize); break;
    }
    parts << (symmetric ? QStringLiteral("symmetric") : QStringLiteral("affine"));
    if (reduceRange)
        parts << QStringLiteral("reduce_range");
    if (method == RangeMethod::MovingAverageMinMax)
        parts << QStringLiteral("moving_average%1").arg(averagingConstant);
    else if (method == RangeMethod::Percentile)
        parts << QStringLiteral("percentile%1").arg(percentile);
    else if (method == RangeMethod::Fixed)
        parts << QStringLiteral("range") << QStringLiteral("%1,%2").arg(QString::number(fixedLo, 'g', 9), QString::number(fixedHi, 'g', 9));
    else
        parts << rangeMethodName(method);
    return parts.join(u':');
}

QuantSpec QuantSpec::withFixedRange(double lo, double hi) const
{
    QuantSpec s = *this;
    s.type = QuantType::Int;
    s.method = RangeMethod::Fixed;
    s.granularity = Granularity::PerTensor;
    s.fixedLo = lo;
    s.fixedHi = hi;
    return s;
}

QString trialModeName(TrialMode m)
{
    switch (m) {
    case TrialMode::Static: return QStringLiteral("static");
    case TrialMode::Dynamic: return QStringLiteral("dynamic");
    case TrialMode::WeightOnly: return QStringLiteral("weight-only");
    }
    return {};
}

TrialMode parseTrialMode(const QString& text, const QString& what)
{
    for (TrialMode m : {TrialMode::Static, TrialMode::Dynamic, TrialMode::WeightOnly})
        if (text == trialModeName(m))
            return m;
    throw EngineError(ErrorKind::BadInput,
                      QStringLiteral("%1 %2: expected static, dynamic or weight-only").arg(what, text));
}

QStringList trialModeNames()
{
    return {trialModeName(TrialMode::Static), trialModeName(TrialMode::Dynamic), trialModeName(TrialMode::WeightOnly)};
}

QString Techniques::toString() const
{
    QStringList names;
    if (cle)
        names << QStringLiteral("cle");
    if (highBiasAbsorption)
        names << QStringLiteral("high_bias_absorption");
    if (biasCorrection)
        names << QStringLiteral("bias_correction");
    if (adaroundIterations == kDefaultAdaroundIterations)
        names << QStringLiteral("adaround");
    else if (adaroundIterations > 0)
        names << QStringLiteral("adaround=%1").arg(adaroundIterations);
    if (adaroundIterations > 0 && adaroundFloatInputs)
        names << QStringLiteral("adaround_float_inputs");
    if (seqMse)
        names << (seqMseLoss == SeqMseLoss::Mse ? QStringLiteral("seqmse") : QStringLiteral("seqmse=") + seqMseLossName(seqMseLoss));
    return names.join(u'+');
}

Techniques Techniques::parse(const QString& text, const QString& what)
{
    Techniques t;
    for (const QString& part : text.split(QRegularExpression(QStringLiteral("[+,]")), Qt::SkipEmptyParts)) {
        const QString name = part.trimmed();
        if (name == QLatin1String("cle"))
            t.cle = true;
        else if (name == QLatin1String("high_bias_absorption"))
            t.highBiasAbsorption = t.cle = true;
        else if (name == QLatin1String("bias_correction"))
            t.biasCorrection = true;
        else if (name == QLatin1String("adaround"))
            t.adaroundIterations = kDefaultAdaroundIterations;
        else if (name.startsWith(QLatin1String("adaround="))) {
            bool ok = false;
            t.adaroundIterations = name.mid(9).toInt(&ok);
            if (!ok || t.adaroundIterations < 1)
                throw EngineError(ErrorKind::BadInput,
                                  QStringLiteral("%1: '%2': AdaRound takes a positive number of iterations (adaround=1000)").arg(what, name));
        } else if (name == QLatin1String("adaround_float_inputs")) {
            t.adaroundFloatInputs = true;
        } else if (name == QLatin1String("seqmse")) {
            t.seqMse = true;
        } else if (name.startsWith(QLatin1String("seqmse="))) {
            t.seqMse = true;
            const QString loss = name.mid(7);
            if (loss == QLatin1String("mse"))
                t.seqMseLoss = SeqMseLoss::Mse;
            else if (loss == QLatin1String("l1"))
                t.seqMseLoss = SeqMseLoss::L1;
            else if (loss == QLatin1String("sqnr"))
                t.seqMseLoss = SeqMseLoss::Sqnr;
            else
                throw EngineError(ErrorKind::BadInput,
                                  QStringLiteral("%1: '%2': SeqMSE's loss is mse, l1 or sqnr").arg(what, name));
        } else if (name != QLatin1String("none"))
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("%1: unknown technique '%2' (known: cle, high_bias_absorption, bias_correction, adaround[=ITERATIONS], adaround_float_inputs, "
                                             "seqmse[=mse|l1|sqnr])")
                                  .arg(what, name));
    }
    if (t.adaroundFloatInputs && t.adaroundIterations == 0) // names the inputs of an AdaRound: at its default
        t.adaroundIterations = kDefaultAdaroundIterations;
    return t;
}

QString seqMseLossName(SeqMseLoss l)
{
    switch (l) {
    case SeqMseLoss::Mse: return QStringLiteral("mse");
    case SeqMseLoss::L1: return QStringLiteral("l1");
    case SeqMseLoss::Sqnr: return QStringLiteral("sqnr");
    }
    return {};
}

QuantConfig QuantConfig::languageModelPreset()
{
    QuantConfig c;
    c.weight = QuantSpec::parse(QStringLiteral("int4:group128:symmetric"));
    c.activation = QuantSpec::parse(QStringLiteral("float"));
    c.mode = TrialMode::WeightOnly;
    return c;
}

QuantSpec QuantConfig::weightFor(const QString& layer) const
{
    const auto it = layers.constFind(layer);
    return it != layers.cend() && it->hasWeight ? it->weight : weight;
}

QuantSpec QuantConfig::activationFor(const QString& layer) const
{
    const auto it = layers.constFind(layer);
    return it != layers.cend() && it->hasActivation ? it->activation : activation;
}

QuantConfig QuantConfig::fromJson(const QByteArray& json, const QString& source)
{
    auto fail = [&](const QString& why) {
        throw EngineError(ErrorKind::BadInput, QStringLiteral("configuration %1: %2").arg(source, why));
    };
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (doc.isNull())
        fail(QStringLiteral("not JSON (%1 at byte %2)").arg(error.errorString()).arg(error.offset));
    if (!doc.isObject())
        fail(QStringLiteral("expected a JSON object"));
    const QJsonObject root = doc.object();
    if (root.value(QLatin1String("format")).toString() != QLatin1String("quantscope-config"))
        fail(QStringLiteral("\"format\" must be \"quantscope-config\""));
    const QJsonValue version = root.value(QLatin1String("version"));
    if (!version.isDouble() || version.toDouble() != double(version.toInt()) || version.toInt() < 1)
        fail(QStringLiteral("\"version\" must be a positive integer"));
    if (version.toInt() > kFormatVersion)
        fail(QStringLiteral("version %1 was written by a newer QuantScope (this one reads up to %2)")
                 .arg(version.toInt())
                 .arg(kFormatVersion));
    auto spec = [&](const QJsonValue& v, const QString& field) {
        if (!v.isString())
            fail(QStringLiteral("\"%1\" must be a spec string such as \"int8:per_channel:symmetric\"").arg(field));
        try {
            return QuantSpec::parse(v.toString());
        } catch (const EngineError& e) {
            fail(QStringLiteral("\"%1\": %2").arg(field, e.message()));
        }
        return QuantSpec();
    };
    QuantConfig c;
    for (auto it = root.begin(); it != root.end(); ++it) {
        const QString key = it.key();
        if (key == QLatin1String("format") || key == QLatin1String("version"))
            continue;
        if (key == QLatin1String("weights")) {
            c.weight = spec(it.value(), key);
        } else if (key == QLatin1String("activations")) {
            c.activation = spec(it.value(), key);
        } else if (key == QLatin1String("mode")) {
            const QString m = it.value().toString();
            if (!trialModeNames().contains(m))
                fail(QStringLiteral("\"mode\" must be \"static\", \"dynamic\" or \"weight-only\""));
            c.mode = parseTrialMode(m);
        } else if (key == QLatin1String("techniques") && version.toInt() >= 2) {
            if (!it.value().isObject())
                fail(QStringLiteral("\"techniques\" must be an object such as {\"cle\": true, \"bias_correction\": true}"));
            const QJsonObject t = it.value().toObject();
            for (auto f = t.begin(); f != t.end(); ++f) {
                if (f.key() == QLatin1String("seqmse")) { // a loss name, or true for mse
                    const QJsonValue v = f.value();
                    c.techniques.seqMse = v.isBool() ? v.toBool() : true;
                    if (v.isString()) {
                        try {
                            c.techniques.seqMseLoss = Techniques::parse(QStringLiteral("seqmse=") + v.toString()).seqMseLoss;
                        } catch (const EngineError& e) {
                            fail(QStringLiteral("\"techniques.seqmse\": %1").arg(e.message()));
                        }
                    } else if (!v.isBool()) {
                        fail(QStringLiteral("\"techniques.seqmse\" must be \"mse\", \"l1\", \"sqnr\" (or true or false)"));
                    }
                    continue;
                }
                if (f.key() == QLatin1String("adaround")) { // iterations per layer, or true for the default
                    const QJsonValue a = f.value();
                    if (a.isBool())
                        c.techniques.adaroundIterations = a.toBool() ? Techniques::kDefaultAdaroundIterations : 0;
                    else if (a.isDouble() && a.toDouble() == double(a.toInt()) && a.toInt() >= 0)
                        c.techniques.adaroundIterations = a.toInt();
                    else
                        fail(QStringLiteral("\"techniques.adaround\" must be a number of iterations (or true or false)"));
                    continue;
                }
                if (f.key() == QLatin1String("adaround_inputs")) { // "quantized" (the default) or "float"
                    const QString v = f.value().toString();
                    if (v != QLatin1String("quantized") && v != QLatin1String("float"))
                        fail(QStringLiteral("\"techniques.adaround_inputs\" must be \"quantized\" or \"float\""));
                    c.techniques.adaroundFloatInputs = v == QLatin1String("float");
                    continue;
                }
                if (!f.value().isBool())
                    fail(QStringLiteral("\"techniques.%1\" must be true or false").arg(f.key()));
                if (f.key() == QLatin1String("cle"))
                    c.techniques.cle = f.value().toBool();
                else if (f.key() == QLatin1String("bias_correction"))
                    c.techniques.biasCorrection = f.value().toBool();
                else if (f.key() == QLatin1String("high_bias_absorption"))
                    c.techniques.highBiasAbsorption = f.value().toBool();
                else
                    fail(QStringLiteral("unknown technique \"%1\" (known: cle, high_bias_absorption, bias_correction, adaround, adaround_inputs, seqmse)").arg(f.key()));
            }
        } else if (key == QLatin1String("layers")) {
            if (!it.value().isObject())
                fail(QStringLiteral("\"layers\" must be an object of layer name to settings"));
            const QJsonObject layers = it.value().toObject();
            for (auto l = layers.begin(); l != layers.end(); ++l) {
                if (!l.value().isObject())
                    fail(QStringLiteral("layer \"%1\" must map to an object").arg(l.key()));
                Override o;
                const QJsonObject fields = l.value().toObject();
                for (auto f = fields.begin(); f != fields.end(); ++f) {
                    const QString where = QStringLiteral("layers.%1.%2").arg(l.key(), f.key());
                    if (f.key() == QLatin1String("weights")) {
                        o.hasWeight = true;
                        o.weight = spec(f.value(), where);
                    } else if (f.key() == QLatin1String("activations")) {
                        o.hasActivation = true;
                        o.activation = spec(f.value(), where);
                    } else {
                        fail(QStringLiteral("unknown field \"%1\" (layers take \"weights\" and \"activations\")").arg(where));
                    }
                }
                c.layers.insert(l.key(), o);
            }
        } else {
            fail(QStringLiteral("unknown field \"%1\"").arg(key));
        }
    }
    c.techniques.cle = c.techniques.cle || c.techniques.highBiasAbsorption; // absorption follows equalization
    return c;
}

QJsonObject QuantConfig::toJsonObject() const
{
    QJsonObject perLayer;
    for (auto it = layers.cbegin(); it != layers.cend(); ++it) {
        QJsonObject o;
        if (it->hasWeight)
            o[QStringLiteral("weights")] = it->weight.toString();
        if (it->hasActivation)
            o[QStringLiteral("activations")] = it->activation.toString();
        perLayer[it.key()] = o;
    }
    QJsonObject root{{QStringLiteral("format"), QStringLiteral("quantscope-config")},
                     {QStringLiteral("version"), kFormatVersion},
                     {QStringLiteral("mode"), trialModeName(mode)},
                     {QStringLiteral("weights"), weight.toString()},
                     {QStringLiteral("activations"), activation.toString()}};
    if (!layers.isEmpty())
        root[QStringLiteral("layers")] = perLayer;
    if (techniques.any()) {
        QJsonObject t{{QStringLiteral("cle"), techniques.cle}, {QStringLiteral("bias_correction"), techniques.biasCorrection}};
        if (techniques.highBiasAbsorption)
            t[QStringLiteral("high_bias_absorption")] = true;
        if (techniques.adaroundIterations > 0)
            t[QStringLiteral("adaround")] = techniques.adaroundIterations;
        if (techniques.adaroundIterations > 0 && techniques.adaroundFloatInputs)
            t[QStringLiteral("adaround_inputs")] = QStringLiteral("float");
        if (techniques.seqMse)
            t[QStringLiteral("seqmse")] = seqMseLossName(techniques.seqMseLoss);
        root[QStringLiteral("techniques")] = t;
    }
    return root;
}

QByteArray QuantConfig::toJson() const
{
    return QJsonDocument(toJsonObject()).toJson(QJsonDocument::Indented);
}

void QuantConfig::checkLayers(const QStringList& layerNames, const QString& modelName) const
{
    for (auto it = layers.cbegin(); it != layers.cend(); ++it)
        if (!layerNames.contains(it.key()))
            throw EngineError(ErrorKind::BadInput,
                              QStringLiteral("the configuration names layer '%1', which %2 does not have (its layers: %3)")
                                  .arg(it.key(), modelName, layerNames.join(QStringLiteral(", "))));
}

QParams calculateQParams(const QVector<float>& minVals, const QVector<float>& maxVals, const QuantSpec& spec)
{
    QParams q;
    q.quantMin = spec.quantMin();
    q.quantMax = spec.quantMax();
    // Like torch.finfo(torch.float32).eps, the smallest scale PyTorch allows.
    const float eps = std::numeric_limits<float>::epsilon();
    for (qsizetype c = 0; c < minVals.size(); ++c) {
        const float lo = minVals[c], hi = maxVals[c];
        if (!(lo <= hi) || std::isinf(lo) || std::isinf(hi)) { // never observed: PyTorch's defaults
            q.scale << 1.0;
            q.zeroPoint << 0;
            continue;
        }
        const float minNeg = std::min(lo, 0.0f);
        const float maxPos = std::max(hi, 0.0f);
        float scale;
        qint64 zp = 0;
        if (spec.symmetric) {
            const float absMax = std::max(-minNeg, maxPos);
            scale = absMax / float(double(q.quantMax - q.quantMin) / 2);
            scale = std::max(scale, eps);
            if (!spec.isSigned)
                // PyTorch: 128 for 8 bits (even with reduce_range), the rounded-down midpoint for fewer.
                zp = spec.bits == 8 ? 128 : (q.quantMin + q.quantMax) / 2;
        } else {
            scale = (maxPos - minNeg) / float(q.quantMax - q.quantMin);
            scale = std::max(scale, eps);
            zp = q.quantMin - qint64(std::nearbyint(minNeg / scale)); // round half to even, as torch.round
            zp = std::clamp<qint64>(zp, q.quantMin, q.quantMax);
        }
        q.scale << double(scale);
        q.zeroPoint << zp;
    }
    return q;
}

} // namespace qs
