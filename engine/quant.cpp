#include "quant.h"

#include "errors.h"

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
    else
        parts << rangeMethodName(method);
    return parts.join(u':');
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
