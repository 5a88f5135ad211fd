// Scale and zero point equal PyTorch's for the same observer, data and settings.
// Reference values: tests/reference/make_observer_reference.py, run with Debian's PyTorch 1.13.

#include "errors.h"
#include "observers_p.h"
#include "quant.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace qs;

namespace {

QJsonObject reference()
{
    QFile f(QStringLiteral(QS_FIXTURES "/../reference/observer_reference.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("observer_reference.json is missing");
    return QJsonDocument::fromJson(f.readAll()).object();
}

at::Tensor toTensor(const QJsonArray& values)
{
    std::vector<float> v;
    v.reserve(size_t(values.size()));
    for (const auto& x : values)
        v.push_back(float(x.toDouble()));
    return torch::tensor(v, at::kFloat);
}

QString methodOption(const QString& method)
{
    return method == QLatin1String("moving_average") ? QStringLiteral("moving_average0.1") : method;
}

} // namespace

class TestObservers : public QObject
{
    Q_OBJECT
    QJsonObject m_ref = reference();

private Q_SLOTS:
    void perTensorMatchesPyTorch_data()
    {
        QTest::addColumn<QJsonObject>("c");
        for (const auto& v : m_ref["per_tensor"].toArray()) {
            const QJsonObject c = v.toObject();
            const QString tag = c["data"].toString() + u'/' + c["spec"].toString() + u'/' + c["method"].toString();
            QTest::newRow(qPrintable(tag)) << c;
        }
    }
    void perTensorMatchesPyTorch()
    {
        QFETCH(QJsonObject, c);
        const QuantSpec spec = QuantSpec::parse(c["spec"].toString() + u':' + methodOption(c["method"].toString()));
        auto observer = makeObserver(spec);
        for (const auto& batch : m_ref["data"].toObject()[c["data"].toString()].toArray())
            observer->observe(toTensor(batch.toArray())); // same batches as PyTorch saw
        const QParams q = observer->qparams();
        QCOMPARE(q.quantMin, c["quant_min"].toInt());
        QCOMPARE(q.quantMax, c["quant_max"].toInt());
        QCOMPARE(q.scale.size(), 1);
        const double want = c["scale"].toDouble();
        QVERIFY2(std::abs(q.scale[0] - want) <= 1e-6 * want,
                 qPrintable(QStringLiteral("scale %1, PyTorch %2").arg(q.scale[0], 0, 'g', 10).arg(want, 0, 'g', 10)));
        QCOMPARE(q.zeroPoint[0], qint64(c["zero_point"].toInteger()));
    }

    void perChannelMatchesPyTorch_data()
    {
        QTest::addColumn<QJsonObject>("c");
        for (const auto& v : m_ref["per_channel"].toArray()) {
            const QJsonObject c = v.toObject();
            QTest::newRow(qPrintable(QStringLiteral("%1/axis%2").arg(c["spec"].toString()).arg(c["axis"].toInt()))) << c;
        }
    }
    void perChannelMatchesPyTorch()
    {
        QFETCH(QJsonObject, c);
        QuantSpec spec = QuantSpec::parse(c["spec"].toString());
        spec.axis = c["axis"].toInt();
        const QJsonArray shape = c["shape"].toArray();
        const at::Tensor w = toTensor(c["data"].toArray()).reshape({shape[0].toInt(), shape[1].toInt()});
        auto observer = makeObserver(spec);
        observer->observe(w);
        const QParams q = observer->qparams();
        QCOMPARE(q.axis, spec.axis);
        const QJsonArray scales = c["scale"].toArray(), zps = c["zero_point"].toArray();
        QCOMPARE(q.scale.size(), scales.size());
        for (int i = 0; i < scales.size(); ++i) {
            QVERIFY(std::abs(q.scale[i] - scales[i].toDouble()) <= 1e-6 * scales[i].toDouble());
            QCOMPARE(q.zeroPoint[i], qint64(zps[i].toInteger()));
        }
    }

    void referenceIsFromTheVersionWeMirror()
    {
        QVERIFY(m_ref["torch_version"].toString().startsWith("1.13"));
    }

    void specShorthandRoundTrips_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("qmin");
        QTest::addColumn<int>("qmax");
        QTest::newRow("int8") << "int8:per_tensor:symmetric:minmax" << -128 << 127;
        QTest::newRow("uint8 reduce") << "uint8:per_tensor:affine:reduce_range:histogram" << 0 << 127;
        QTest::newRow("int4 per channel") << "int4:per_channel:symmetric:minmax" << -8 << 7;
        QTest::newRow("int3 reduce") << "int3:per_tensor:affine:reduce_range:minmax" << -2 << 1;
        QTest::newRow("uint2") << "uint2:per_channel1:affine:minmax" << 0 << 3;
        QTest::newRow("moving average") << "uint8:per_tensor:affine:moving_average0.05" << 0 << 255;
        QTest::newRow("group") << "int4:group128:symmetric:minmax" << -8 << 7;
        QTest::newRow("percentile") << "uint8:per_tensor:affine:percentile99.9" << 0 << 255;
        QTest::newRow("mse") << "int8:per_tensor:symmetric:mse" << -128 << 127;
        QTest::newRow("entropy") << "uint8:per_tensor:affine:entropy" << 0 << 255;
        QTest::newRow("float16") << "float16" << 0 << 0;
        QTest::newRow("float") << "float" << 0 << 0;
    }
    void specShorthandRoundTrips()
    {
        QFETCH(QString, text);
        QFETCH(int, qmin);
        QFETCH(int, qmax);
        const QuantSpec s = QuantSpec::parse(text);
        QCOMPARE(s.toString(), text);
        if (s.type == QuantType::Int) {
            QCOMPARE(s.quantMin(), qmin);
            QCOMPARE(s.quantMax(), qmax);
        }
    }

    void badSpecsNameTheProblem_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("1 bit") << "int1" << "1 bits is not supported";
        QTest::newRow("9 bits") << "uint9" << "9 bits is not supported";
        QTest::newRow("33 bits") << "int33" << "33 bits is not supported";
        QTest::newRow("0 bits") << "int0" << "0 bits is not supported";
        QTest::newRow("negative group") << "int4:group-8" << "group size must be a positive integer";
        QTest::newRow("unknown option") << "int8:fancy" << "unknown option 'fancy'";
        QTest::newRow("unknown type") << "double" << "'double' is not a type";
        QTest::newRow("option on float") << "float16:symmetric" << "only to integer types";
        QTest::newRow("per-channel histogram") << "int8:per_channel:symmetric:histogram" << "ranges are per tensor";
        QTest::newRow("bad percentile") << "uint8:percentile20" << "between 50 and 100";
    }
    void badSpecsNameTheProblem()
    {
        QFETCH(QString, text);
        QFETCH(QString, message);
        try {
            QuantSpec::parse(text);
            QFAIL("expected an error");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY2(e.message().contains(message) && e.message().contains(text), qPrintable(e.message()));
        }
    }
};

QTEST_APPLESS_MAIN(TestObservers)
#include "tst_observers.moc"
