// The trial store: round trip, schema versions, files it must refuse without touching them,
// a reader beside a writer, and a writer killed mid-stream.
//
// Run as `tst_store --writer DB` this program is the writer: it records trials until killed.

#include "errors.h"
#include "store.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <thread>
#include <functional>
#include <vector>
#include <cmath>

using namespace qs;

namespace {

TrialResult sampleResult(int seed)
{
    TrialResult r;
    r.metric = Metric::Accuracy;
    r.hasAccuracy = true;
    r.top1 = 0.9 - seed * 0.001;
    r.floatTop1 = 0.9177;
    r.outputSqnr = 30.5 + seed;
    r.sizeBytes = 100000 + seed;
    r.floatBytes = 850168;
    r.evaluationSamples = 9488;
    r.errorSamples = 256;
    r.batchSize = 64;
    r.calibrationSamples = 256;
    r.calibrationBatch = 32;
    r.seconds = 1.25;
    r.warnings = {QStringLiteral("fc9: left in float")};
    for (int i = 0; i < 5; ++i) {
        LayerTrialResult l;
        l.name = QStringLiteral("layer%1").arg(i);
        l.weightSpec = QStringLiteral("int4:per_channel:symmetric:minmax");
        l.activationSpec = i == 0 ? QStringLiteral("float") : QStringLiteral("uint8:per_tensor:affine:histogram");
        l.weightBits = 4;
        l.weightSqnr = 20 + i;
        l.activationSqnr = i == 0 ? std::numeric_limits<double>::infinity() : 40 + i;
        l.outputSqnr = 18 + i;
        l.outputMse = 0.01 * i;
        l.outputCosine = 0.99;
        l.outputMaxAbsError = 0.5;
        l.weightQParams.scale = {0.1, 0.2, 0.3};
        l.weightQParams.zeroPoint = {0, 1, -2};
        l.weightQParams.quantMin = -8;
        l.weightQParams.quantMax = 7;
        l.weightQParams.axis = 0;
        if (i > 0) {
            l.activationQParams.scale = {0.05};
            l.activationQParams.zeroPoint = {3};
            l.rmseOverScale = 0.25 + 0.1 * i;
            l.activationRoundingMse = 1e-4 * i;
            l.activationClippingMse = 2e-5 * i;
            l.activationClippedShare = 0.001 * i;
        }
        // Layer 0 unchanged on its own (+inf), layers 1–3 measured, layer 4 not measured (NaN).
        l.localSqnr = i == 0 ? std::numeric_limits<double>::infinity() : i < 4 ? 25.0 + i : std::numeric_limits<double>::quiet_NaN();
        l.weightRoundingMse = 0.003 * (i + 1);
        l.weightClippingMse = i == 2 ? 0.0005 : 0;
        l.weightClippedShare = i == 2 ? 0.004 : 0;
        l.weightUnusedLevels = 0.1 * i;
        if (i == 1) { // schema 6: what the techniques chose
            l.equalizedWith = QStringLiteral("layer2");
            l.equalizationScales = {0.5, 2.25, 1.0 / 3};
            l.biasCorrection = {-1e-3, 0.0, 4.5e-2};
            l.adaroundUp = QByteArray("\x05\xff\x00", 3);
            l.adaroundFlipped = 0.125;
            l.adaroundLossNearest = 0.5;
            l.adaroundLoss = 0.25;
            l.seqmseChosen = {20, 17, 3};
            l.seqmseOutputMseMinMax = 0.01;
            l.seqmseOutputMse = 0.006;
        } else if (i == 2) {
            l.equalizedAfter = QStringLiteral("layer1");
        }
        r.layers << l;
    }
    return r;
}

QByteArray fileHash(const QString& path)
{
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

void expectRefused(const QString& path, const QString& message)
{
    try {
        Store s(path);
        s.trials();
        s.addTrial("abc", "m", "idx:x", QuantConfig(), sampleResult(0), "manual");
        QFAIL("expected the database to be refused");
    } catch (const EngineError& e) {
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        QVERIFY2(e.message().contains(path) && e.message().contains(message), qPrintable(e.message()));
    }
}

int runWriter(const QString& path)
{
    Store store(path);
    for (int i = 0;; ++i)
        store.addTrial("sha-writer", "writer model", "idx:data", QuantConfig(), sampleResult(i % 50), "search");
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    // Several connections that open a new database at the same moment (the window's, its engine
    // thread's, a CLI's) all get a usable, fully migrated database: migration steps take turns.
    void concurrentOpensOfANewDatabase()
    {
        for (int round = 0; round < 5; ++round) {
            const QString path = m_dir.filePath(QStringLiteral("concurrent%1.db").arg(round));
            std::vector<std::thread> threads;
            std::vector<QString> errors(4);
            for (int t = 0; t < 4; ++t)
                threads.emplace_back([&, t] {
                    try {
                        Store store(path);
                        store.trials();
                    } catch (const EngineError& e) {
                        errors[size_t(t)] = e.message();
                    }
                });
            for (auto& t : threads)
                t.join();
            for (const QString& e : errors)
                QVERIFY2(e.isEmpty(), qPrintable(e));
            Store store(path);
            QCOMPARE(store.trials().size(), 0);
        }
    }

    void roundTrip()
    {
        const QString path = m_dir.filePath("round.db");
        QuantConfig config;
        config.weight = QuantSpec::parse("int4:per_channel:symmetric");
        qint64 id = 0;
        {
            Store s(path);
            id = s.addTrial("sha1", "demo", "idx:a,b", config, sampleResult(1), "manual", "first");
            s.addTrial("sha2", "other", "idx:a,b", QuantConfig(), sampleResult(2), "sensitivity");
        }
        Store s(path); // reopened: everything is still there
        QCOMPARE(s.trials().size(), 2);
        QCOMPARE(s.trials("sha2").size(), 1);
        const StoredTrial t = s.trial(id);
        const TrialResult want = sampleResult(1);
        QCOMPARE(t.name, QStringLiteral("first"));
        QCOMPARE(t.origin, QStringLiteral("manual"));
        QCOMPARE(t.modelName, QStringLiteral("demo"));
        QCOMPARE(t.dataSpec, QStringLiteral("idx:a,b"));
        QCOMPARE(QuantConfig::fromJson(t.config, "db").weight.toString(), config.weight.toString());
        QCOMPARE(t.result.top1, want.top1);
        QCOMPARE(t.result.outputSqnr, want.outputSqnr);
        QCOMPARE(t.result.sizeBytes, want.sizeBytes);
        QCOMPARE(t.result.warnings, want.warnings);
        QCOMPARE(t.result.batchSize, 64);
        QCOMPARE(t.result.calibrationSamples, qint64(256));
        QCOMPARE(t.result.calibrationBatch, 32);
        // What measures the trial again uses its own split.
        const TrialOptions again = recordedTrialOptions(t.result);
        QCOMPARE(again.calibrationSamples, qint64(256));
        QCOMPARE(again.batchSize, 32);
        QCOMPARE(again.evaluationLimit, qint64(9488));
        QCOMPARE(t.result.layers.size(), 5);
        QVERIFY(std::isinf(t.result.layers[0].activationSqnr)); // +inf survives as NULL
        QCOMPARE(t.result.layers[3].activationQParams.scale, QVector<double>{0.05});
        QCOMPARE(t.result.layers[3].activationQParams.zeroPoint, QVector<qint64>{3});
        QCOMPARE(t.result.layers[2].weightQParams.scale, (QVector<double>{0.1, 0.2, 0.3}));
        QCOMPARE(t.result.layers[2].weightQParams.zeroPoint, (QVector<qint64>{0, 1, -2}));
        QCOMPARE(t.result.layers[2].weightQParams.quantMin, -8);
        QCOMPARE(t.result.layers[2].weightQParams.axis, 0);
        QVERIFY(t.result.layers[0].activationQParams.scale.isEmpty());
        QVERIFY(t.created.isValid());
        // The error figures of schema 5: local SQNR measured (+inf included) or not (NaN).
        for (int i = 0; i < 5; ++i) {
            const LayerTrialResult& a = t.result.layers[i];
            const LayerTrialResult& b = want.layers[i];
            QVERIFY2(a.localSqnr == b.localSqnr || (std::isnan(a.localSqnr) && std::isnan(b.localSqnr)), qPrintable(QString::number(i)));
            QVERIFY(a.rmseOverScale == b.rmseOverScale || (std::isnan(a.rmseOverScale) && std::isnan(b.rmseOverScale)));
            QCOMPARE(a.weightRoundingMse, b.weightRoundingMse);
            QCOMPARE(a.weightClippingMse, b.weightClippingMse);
            QCOMPARE(a.weightClippedShare, b.weightClippedShare);
            QCOMPARE(a.activationRoundingMse, b.activationRoundingMse);
            QCOMPARE(a.activationClippingMse, b.activationClippingMse);
            QCOMPARE(a.activationClippedShare, b.activationClippedShare);
            QCOMPARE(a.weightUnusedLevels, b.weightUnusedLevels);
            QCOMPARE(a.equalizedWith, b.equalizedWith);
            QCOMPARE(a.equalizationScales, b.equalizationScales);
            QCOMPARE(a.equalizedAfter, b.equalizedAfter);
            QCOMPARE(a.adaroundUp, b.adaroundUp);
            QCOMPARE(a.seqmseChosen, b.seqmseChosen);
            if (!b.seqmseChosen.isEmpty())
                QVERIFY(a.seqmseOutputMse == b.seqmseOutputMse && a.seqmseOutputMseMinMax == b.seqmseOutputMseMinMax);
            if (!b.adaroundUp.isEmpty())
                QVERIFY(a.adaroundFlipped == b.adaroundFlipped && a.adaroundLoss == b.adaroundLoss &&
                        a.adaroundLossNearest == b.adaroundLossNearest);
            QCOMPARE(a.biasCorrection, b.biasCorrection);
        }

        s.rename(id, "renamed");
        s.setNote(id, "looks good");
        QCOMPARE(s.trial(id).name, QStringLiteral("renamed"));
        QCOMPARE(s.trial(id).note, QStringLiteral("looks good"));
        QCOMPARE(s.trial(id).latencyBatch, 0); // its int8 model never timed
        s.setLatency(id, 32, 1.5, 0.75);
        QCOMPARE(s.trial(id).latencyBatch, 32);
        QCOMPARE(s.trial(id).floatMs, 1.5);
        QCOMPARE(s.trial(id).int8Ms, 0.75);
        s.remove(id);
        QCOMPARE(s.trials().size(), 1);
        {
            QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "inspect-round");
            d.setDatabaseName(path);
            QVERIFY(d.open());
            QSqlQuery layers(d);
            QVERIFY(layers.exec("SELECT count(*) FROM trial_layers") && layers.next());
            QCOMPARE(layers.value(0).toInt(), 5); // the deleted trial's layers went with it
            QSqlQuery mode(d);
            QVERIFY(mode.exec("PRAGMA journal_mode") && mode.next());
            QCOMPARE(mode.value(0).toString(), QStringLiteral("wal"));
        }
        QSqlDatabase::removeDatabase("inspect-round");
    }

    // A schema-1 database (trials, no calibration table) upgrades in place and keeps its trials.
    void migratesFromSchemaOne()
    {
        const QString path = m_dir.filePath("v1.db");
        {
            Store s(path);
            s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(0), "manual", "old trial");
        }
        {
            QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "downgrade");
            d.setDatabaseName(path);
            QVERIFY(d.open());
            QVERIFY(QSqlQuery(d).exec("DROP TABLE calibrations"));
            QVERIFY(QSqlQuery(d).exec("ALTER TABLE trials DROP COLUMN perplexity"));
            QVERIFY(QSqlQuery(d).exec("ALTER TABLE trials DROP COLUMN float_perplexity"));
            for (const char* column : {"int8_ms", "float_ms", "latency_batch", "batch_size", "calibration_samples", "calibration_batch"})
                QVERIFY(QSqlQuery(d).exec(QStringLiteral("ALTER TABLE trials DROP COLUMN %1").arg(column)));
            for (const char* column : {"local_measured", "local_sqnr", "rmse_over_scale", "weight_rounding_mse",
                                       "weight_clipping_mse", "weight_clipped_share", "activation_rounding_mse",
                                       "activation_clipping_mse", "activation_clipped_share", "weight_unused_levels", "techniques"})
                QVERIFY(QSqlQuery(d).exec(QStringLiteral("ALTER TABLE trial_layers DROP COLUMN %1").arg(column)));
            QVERIFY(QSqlQuery(d).exec("PRAGMA user_version = 1"));
        }
        QSqlDatabase::removeDatabase("downgrade");
        Store s(path);
        QCOMPARE(s.trials().size(), 1);
        QCOMPARE(s.trials().first().name, QStringLiteral("old trial"));
        QParams q;
        q.scale = {0.5};
        q.zeroPoint = {7};
        s.saveCalibration("sha", "m", "idx:x", "uint8|calibration=512|batch=256", {q, QParams()});
        QVector<QParams> back;
        QVERIFY(s.loadCalibration("sha", "idx:x", "uint8|calibration=512|batch=256", back));
        QCOMPARE(back.size(), 2);
        QCOMPARE(back[0].scale, QVector<double>{0.5});
        QCOMPARE(back[0].zeroPoint, QVector<qint64>{7});
        QVERIFY(back[1].scale.isEmpty());
        QVERIFY(!s.loadCalibration("sha", "idx:other", "uint8|calibration=512|batch=256", back));
        QCOMPARE(s.trials().first().latencyBatch, 0); // schema 4: its int8 model never timed
        // Schema 5: the old trial's layers have no local error, steps error or unused levels measured.
        const StoredTrial old = s.trial(s.trials().first().id);
        QCOMPARE(old.result.batchSize, 0);
        // Schema 7: its calibration split not recorded; whatever measures it again falls back.
        QCOMPARE(old.result.calibrationSamples, qint64(-1));
        QCOMPARE(old.result.calibrationBatch, 0);
        QCOMPARE(recordedTrialOptions(old.result).calibrationSamples, kDefaultCalibrationSamples);
        QVERIFY(!old.result.layers.isEmpty());
        QVERIFY(std::isnan(old.result.layers[0].localSqnr) && std::isnan(old.result.layers[0].rmseOverScale) &&
                std::isnan(old.result.layers[0].weightUnusedLevels));
        QCOMPARE(old.result.layers[0].weightClippingMse, 0.0);
        // Schema 3's perplexity: empty for the old classifier trial, kept for a language model's.
        QCOMPARE(s.trials().first().result.metric, Metric::Accuracy);
        TrialResult lm = sampleResult(1);
        lm.metric = Metric::Perplexity;
        lm.perplexity = 4.25;
        lm.floatPerplexity = 4.0;
        const qint64 id = s.addTrial("sha", "m", "tensors:t.pt", QuantConfig(), lm, "manual", "lm");
        const TrialResult back3 = s.trial(id).result;
        QCOMPARE(back3.metric, Metric::Perplexity);
        QCOMPARE(back3.perplexity, 4.25);
        QCOMPARE(back3.floatPerplexity, 4.0);
        QCOMPARE(back3.loss(), 0.25);
    }

    void migratesAFirstVersionDatabase()
    {
        // An empty SQLite file is schema 0: opening upgrades it to the current schema.
        const QString path = m_dir.filePath("v0.db");
        {
            QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "make-v0");
            d.setDatabaseName(path);
            QVERIFY(d.open());
            QSqlQuery(d).exec("CREATE TABLE unrelated(x)");
        }
        QSqlDatabase::removeDatabase("make-v0");
        Store s(path);
        s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(0), "manual");
        QCOMPARE(s.trials().size(), 1);
    }

    void refusesANewerDatabaseAndLeavesItAlone()
    {
        const QString path = m_dir.filePath("newer.db");
        {
            Store s(path);
            s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(0), "manual");
        }
        {
            QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "bump");
            d.setDatabaseName(path);
            QVERIFY(d.open());
            QSqlQuery(d).exec("PRAGMA user_version = 8");
            QSqlQuery(d).exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        QSqlDatabase::removeDatabase("bump");
        const QByteArray before = fileHash(path);
        expectRefused(path, "written by a newer QuantScope (schema 8");
        QCOMPARE(fileHash(path), before);
    }

    void refusesACorruptFileAndLeavesItAlone()
    {
        const QString path = m_dir.filePath("corrupt.db");
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(QByteArray("SQLite format 3") + QByteArray(8000, '\x5a'));
        f.close();
        const QByteArray before = fileHash(path);
        expectRefused(path, "not a QuantScope database, or it is corrupt");
        QCOMPARE(fileHash(path), before);
    }

    // Opened read-only (as history and compare do), a database is read and never written,
    // whoever runs the test.
    void openedReadOnlyItIsNeverWritten()
    {
        const QString path = m_dir.filePath("opened-readonly.db");
        {
            Store s(path);
            s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(0), "manual");
        }
        const QByteArray before = fileHash(path);
        {
            Store s(path, Store::Access::ReadOnly);
            QVERIFY(s.isReadOnly());
            QCOMPARE(s.trials().size(), 1);
            for (const auto& write : std::vector<std::function<void()>>{
                     [&] { s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(1), "manual"); },
                     [&] { s.rename(1, "x"); }, [&] { s.remove(1); }, [&] { s.setLatency(1, 1, 1, 1); }}) {
                try {
                    write();
                    QFAIL("expected read-only");
                } catch (const EngineError& e) {
                    QVERIFY2(e.message().contains("read-only") && e.message().contains(path), qPrintable(e.message()));
                }
            }
        }
        QCOMPARE(fileHash(path), before);
        try {
            Store missing(m_dir.filePath("missing.db"), Store::Access::ReadOnly);
            QFAIL("expected an error");
        } catch (const EngineError& e) {
            QVERIFY(e.message().contains("does not exist"));
        }
        QVERIFY(!QFile::exists(m_dir.filePath("missing.db")));
    }

    void aReadOnlyDatabaseIsReadButNeverWritten()
    {
        const QString path = m_dir.filePath("readonly.db");
        {
            Store s(path);
            s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(0), "manual");
        }
        QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther);
        if (QFileInfo(path).isWritable())
            QSKIP("running as a user who can write read-only files (root)");
        Store s(path);
        QVERIFY(s.isReadOnly());
        QCOMPARE(s.trials().size(), 1);
        try {
            s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(1), "manual");
            QFAIL("expected read-only");
        } catch (const EngineError& e) {
            QVERIFY2(e.message().contains("read-only"), qPrintable(e.message()));
        }
        QCOMPARE(s.trials().size(), 1);
    }

    // Another connection holds the write lock: after the 5 s busy timeout the trial is refused
    // with a message that says so, and nothing already stored changes.
    void aLockedDatabaseIsReported()
    {
        const QString path = m_dir.filePath("locked.db");
        {
            Store s(path);
            s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(0), "manual");
        }
        {
            QSqlDatabase other = QSqlDatabase::addDatabase("QSQLITE", "locker");
            other.setDatabaseName(path);
            QVERIFY(other.open());
            QSqlQuery lock(other);
            QVERIFY(lock.exec("BEGIN EXCLUSIVE"));
            Store s(path);
            try {
                s.addTrial("sha", "m", "idx:x", QuantConfig(), sampleResult(1), "manual");
                QFAIL("expected a lock error");
            } catch (const EngineError& e) {
                QVERIFY2(e.message().contains("another process holds a lock") && e.message().contains(path),
                         qPrintable(e.message()));
            }
            QVERIFY(lock.exec("ROLLBACK"));
        }
        QSqlDatabase::removeDatabase("locker");
        QCOMPARE(Store(path).trials().size(), 1);
    }

    // A writer process records trials; a reader here always sees whole trials; then the writer
    // is killed with SIGKILL, and every trial it committed is there and the file is sound.
    void readerAndKilledWriter()
    {
        const QString path = m_dir.filePath("killed.db");
        { Store create(path); } // schema made before the writer starts
        QProcess writer;
        writer.start(QCoreApplication::applicationFilePath(), {"--writer", path});
        QVERIFY(writer.waitForStarted());
        Store reader(path);
        int seen = 0;
        // Until the writer has recorded 30 trials, however slow the machine (it records for as
        // long as it runs; if it dies, the loop ends and the check below says so; CTest's
        // timeout bounds the rest).
        while (seen < 30 && writer.state() == QProcess::Running) {
            const QVector<StoredTrial> trials = reader.trials();
            seen = int(trials.size());
            if (seen > 0) {
                const StoredTrial last = reader.trial(trials.last().id);
                QCOMPARE(last.result.layers.size(), 5); // never a half-written trial
            }
            QTest::qWait(20);
        }
        QVERIFY2(seen >= 30, "the writer recorded too few trials");
        ::kill(pid_t(writer.processId()), SIGKILL);
        QVERIFY(writer.waitForFinished());
        Store after(path);
        QVERIFY(after.trials().size() >= seen);
        QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "check");
        d.setDatabaseName(path);
        QVERIFY(d.open());
        QSqlQuery q(d);
        QVERIFY(q.exec("PRAGMA integrity_check") && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
        QSqlQuery orphans(d);
        QVERIFY(orphans.exec("SELECT count(*) FROM trials WHERE layer_count != "
                             "(SELECT count(*) FROM trial_layers WHERE trial_id = trials.id)") && orphans.next());
        QCOMPARE(orphans.value(0).toInt(), 0);
    }
};

int main(int argc, char** argv)
{
    if (argc == 3 && QByteArray(argv[1]) == "--writer") {
        QCoreApplication app(argc, argv);
        return runWriter(QString::fromLocal8Bit(argv[2]));
    }
    QCoreApplication app(argc, argv);
    TestStore test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_store.moc"
