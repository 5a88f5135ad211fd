// The Session without a window: it opens the demo, runs trials and hands out typed results
// with the id the trial database gave them, appends recorded trials to the history one by one,
// keeps the results of a trial that could not be recorded, and reports bad input as a signal.

#include "jobtracker.h"
#include "session.h"
#include "store.h"
#include "testutils.h"
#include "trialhistory.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace qs;
using qs::test::arrives;
using qs::test::kUntilCTestTimeout;

class TestSession : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

    /// A session on the demo with its own database; the fixture waits for the model.
    std::unique_ptr<Session> openDemo(const QString& database)
    {
        auto s = std::make_unique<Session>();
        s->setDatabasePath(database);
        QSignalSpy opened(s.get(), &Session::modelOpened);
        s->open(QString());
        arrives(opened);
        return s;
    }

private Q_SLOTS:
    void initTestCase() { qputenv("XDG_DATA_HOME", m_dir.filePath("data").toLocal8Bit()); }

    void opensTheDemoAndRecordsATrialWithItsId()
    {
        const QString db = m_dir.filePath("session.db");
        auto s = openDemo(db);
        QVERIFY(s);
        QCOMPARE(s->profile().layers.size(), 8);
        QCOMPARE(s->layerNames().first(), QStringLiteral("conv1"));
        QCOMPARE(s->task(), Task::Classifier);
        QCOMPARE(s->history()->trials().size(), 0);

        QSignalSpy finished(s.get(), &Session::trialFinished);
        QSignalSpy appended(s->history(), &TrialHistory::appended);
        QuantConfig config;
        config.weight = QuantSpec::parse(QStringLiteral("int4:per_channel:symmetric"));
        s->runTrial(config);
        QVERIFY(arrives(finished));
        const ShownTrial t = finished.first().first().value<ShownTrial>();
        QVERIFY(t.valid && t.id > 0 && t.notRecorded.isEmpty());
        QCOMPARE(t.config.weight.toString(), config.weight.toString());
        QCOMPARE(t.result.layers.size(), 8);
        // The id is the database's, and the history gained exactly that trial.
        const StoredTrial stored = Store(db).trial(t.id);
        QCOMPARE(stored.result.top1, t.result.top1);
        QCOMPARE(stored.settings.weight.toString(), config.weight.toString());
        QCOMPARE(appended.count(), 1);
        QCOMPARE(s->history()->trials().size(), 1);
        QCOMPARE(s->history()->trials().first().id, t.id);
        // A recorded trial comes back as the same ShownTrial.
        const ShownTrial again = s->storedTrial(t.id);
        QCOMPARE(again.result.top1, t.result.top1);
        QCOMPARE(again.title, QStringLiteral("trial %1 of %2").arg(t.id).arg(s->modelName()));
    }

    void aDatabaseThatCannotTakeTrialsKeepsTheResult()
    {
        const QString db = m_dir.filePath("not-a-database.db");
        QFile garbage(db);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(4096, 'x')); // not SQLite: refused, and left as it is
        garbage.close();
        auto s = openDemo(db);
        QVERIFY(s);
        QSignalSpy finished(s.get(), &Session::trialFinished);
        s->runTrial(QuantConfig());
        QVERIFY(arrives(finished));
        const ShownTrial t = finished.first().first().value<ShownTrial>();
        QCOMPARE(t.id, 0);
        QVERIFY2(t.notRecorded.contains(db), qPrintable(t.notRecorded));
        QVERIFY(t.result.warnings.join(' ').contains("not recorded"));
        QVERIFY(t.result.top1 > 0.8);
        QCOMPARE(QFile(db).size(), 4096);
    }

    void sensitivityReportsEachRecordedTrial()
    {
        auto s = openDemo(m_dir.filePath("sensitivity.db"));
        QVERIFY(s);
        QSignalSpy recorded(s.get(), &Session::trialRecorded);
        QSignalSpy done(s.get(), &Session::sensitivityFinished);
        QuantConfig config;
        config.weight = QuantSpec::parse(QStringLiteral("int4:per_channel:symmetric"));
        s->runSensitivity(config, 256);
        QVERIFY(arrives(done));
        const SensitivityResult r = done.first().first().value<SensitivityResult>();
        QCOMPARE(recorded.count(), r.trials);
        QCOMPARE(s->history()->trials().size(), r.trials);
        for (const QList<QVariant>& args : recorded) {
            QVERIFY(args.at(0).toLongLong() > 0);
            QCOMPARE(args.at(1).toString(), QStringLiteral("sensitivity"));
        }
        QCOMPARE(r.evaluationSamples, 256);
    }

    // A model that does not run on the open data still opens on its weights, and says why.
    void aModelThatDoesNotFitTheDataOpensOnItsWeights()
    {
        Session s;
        s.setDatabasePath(m_dir.filePath("mlp.db"));
        QSignalSpy opened(&s, &Session::modelOpened);
        s.open(QStringLiteral(QS_FIXTURES "/sensitive_mlp_scripted.pt")); // takes N×16; the demo data is N×1×28×28
        QVERIFY(arrives(opened));
        const ProfileReport r = opened.first().first().value<ProfileReport>();
        QVERIFY2(!r.dataProblem.isEmpty(), "the MLP ran on Fashion-MNIST");
        QCOMPARE(r.layers.size(), 4);
        for (const LayerProfile& l : r.layers) {
            QVERIFY(l.weight.count > 0);
            QCOMPARE(l.activation.count, 0);
        }
        QVERIFY(s.isOpen() && !s.canRunTrials());
    }

    // A model whose forward returns a dict: the profile lists its tensor outputs and scores
    // `logits`; choosing another opens it again scoring that one (its trials compare that).
    void anotherOutputCanBeScored()
    {
        Session s;
        s.setDatabasePath(m_dir.filePath("dict.db"));
        QSignalSpy opened(&s, &Session::modelOpened);
        s.open(QStringLiteral(QS_FIXTURES "/dict_output_scripted.pt"));
        QVERIFY(arrives(opened));
        const ProfileReport logits = opened.takeFirst().first().value<ProfileReport>();
        QCOMPARE(logits.outputChoices, QStringList({"features", "logits"}));
        QCOMPARE(logits.output, QStringLiteral("logits"));
        s.chooseOutput(QStringLiteral("features"));
        QVERIFY(arrives(opened));
        const ProfileReport features = opened.takeFirst().first().value<ProfileReport>();
        QCOMPARE(features.output, QStringLiteral("features"));
        QVERIFY(features.floatTop1 != logits.floatTop1); // 32 features scored as if they were classes
        QVERIFY(s.canRunTrials());
    }

    void badInputIsASignal()
    {
        auto s = std::make_unique<Session>();
        s->setDatabasePath(m_dir.filePath("bad.db"));
        QSignalSpy failed(s.get(), &Session::openFailed);
        QFile f(m_dir.filePath("bad.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a model");
        f.close();
        s->open(f.fileName());
        QVERIFY(arrives(failed));
        QVERIFY(failed.first().first().toString().contains(f.fileName()));
        QVERIFY(!s->isOpen());
        QVERIFY_THROWS_EXCEPTION(EngineError, s->storedTrial(1));
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
