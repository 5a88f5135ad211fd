// The bad-input corpus: one row per kind of bad input a user can give, each run through
// quantscope-cli (exit code 2 and one line on stderr naming the file, layer or setting) and
// through the engine API (EngineError of kind BadInput with the same words). Inputs that are
// odd but usable (NaN weights, a constant weight, an all-zero activation) must work, with a
// warning where something was left out. Trials already stored are never lost.

#include "testutils.h"
#include "data.h"
#include "errors.h"
#include "idxwrite.h"
#include "model.h"
#include "profile.h"
#include "runtime.h"
#include "store.h"
#include "trial.h"

#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace qs;

namespace
{

const QString kFixtures = QStringLiteral(QS_FIXTURES);

using qs::test::Run;

Run cli(const QStringList& args, const QString& dataHome, const QString& memoryMb = QString())
{
    if (memoryMb.isEmpty())
        return qs::test::runCli(args, dataHome);
    return qs::test::runCli(args, dataHome, {{QStringLiteral("QUANTSCOPE_MEMORY_MB"), memoryMb}});
}

QString write(const QString& path, const QByteArray& bytes)
{
    return testing::writeFile(path, bytes);
}

/// What the CLI does for inspect, profile and trial, through the engine API; returns the warnings.
QStringList runEngine(const QStringList& args, const QString& db)
{
    QString model, data, config, weights;
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--data"))
            data = args[++i];
        else if (args[i] == QLatin1String("--config"))
            config = args[++i];
        else if (args[i] == QLatin1String("--weights"))
            weights = args[++i];
        else if (args[i] == QLatin1String("--eval") || args[i] == QLatin1String("--db"))
            ++i;
        else
            model = args[i];
    }
    const QString command = args[0];
    QuantConfig c;
    if (!config.isEmpty()) {
        QFile f(config);
        f.open(QIODevice::ReadOnly);
        c = QuantConfig::fromJson(f.readAll(), config);
    }
    if (!weights.isEmpty())
        c.weight = QuantSpec::parse(weights);
    std::unique_ptr<Store> store;
    if (command == QLatin1String("trial"))
        store = std::make_unique<Store>(db);
    auto m = model.isEmpty() ? loadDemoModel() : Model::load(model);
    auto d = Dataset::load(data.isEmpty() ? DataSpec::demo() : DataSpec::parse(data));
    m->measureShapes(*d);
    QStringList warnings = m->warnings();
    if (command == QLatin1String("profile"))
        warnings << profile(*m, *d, ProfileOptions(), JobControl()).warnings;
    if (command == QLatin1String("trial")) {
        TrialOptions o;
        o.evaluationLimit = 64;
        TrialRunner runner(m, d, o);
        const TrialResult r = runner.run(c, JobControl());
        store->addTrial(m->sha256(), m->displayName(), d->spec().toString(), c, r, "manual");
        warnings << r.warnings;
    }
    return warnings;
}

} // namespace

class TestBadInput : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_db;
    qint64 m_storedTrials = 0;

    QString path(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void initTestCase()
    {
        initRuntime();
        // A database with one trial in it: no row below may lose it.
        m_db = path("trials.db");
        const Run first = cli({"trial", "--db", m_db, "--eval", "64"}, m_dir.path());
        QCOMPARE(first.code, 0);
        m_storedTrials = Store(m_db).trials().size();
        QCOMPARE(m_storedTrials, qint64(1));
    }

    void corpus_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");    // 2: refused; 0: works
        QTest::addColumn<QString>("message"); // in the one line on stderr / the error, or a warning

        const QString tiny = kFixtures + "/tiny_cnn_scripted.pt";
        const QString degenerate = kFixtures + "/degenerate_scripted.pt";
        QFile t(tiny);
        t.open(QIODevice::ReadOnly);
        const QByteArray tinyBytes = t.readAll();

        // Models.
        QTest::newRow("empty file") << QStringList{"inspect", write(path("empty.pt"), {})} << 2
                                    << "empty.pt is not a TorchScript model: the file is empty";
        QTest::newRow("text renamed .pt") << QStringList{"inspect", write(path("notes.pt"), "just notes\n")}
                                          << 2 << "notes.pt is not a TorchScript model";
        QTest::newRow("truncated archive")
            << QStringList{"inspect", write(path("half.pt"), tinyBytes.left(tinyBytes.size() / 2))} << 2
            << "half.pt is not a TorchScript model";
        QTest::newRow("zip, not TorchScript")
            << QStringList{"inspect", kFixtures + "/not_torchscript.zip"} << 2
            << "not_torchscript.zip is a zip archive but not a TorchScript model";
        QTest::newRow("state dict") << QStringList{"inspect", kFixtures + "/state_dict.pt"} << 2
                                    << "state_dict.pt was saved with torch.save (a state dict or a pickled module), not as "
                                       "TorchScript: save the model with torch.jit.script(model).save(path)";
        QTest::newRow("two inputs") << QStringList{"inspect", kFixtures + "/two_inputs_scripted.pt"} << 2
                                    << "two_inputs_scripted.pt: forward takes 2 inputs";

        // Data.
        QRandomGenerator random(2);
        QByteArray pixels(700 * 64, 0);
        for (char& p : pixels)
            p = char(random.bounded(256));
        const QString images = write(path("img8.idx"), testing::idxBytes({700, 8, 8}, pixels));
        const QString labels = write(path("lab8.idx"), testing::idxBytes({700}, QByteArray(700, 3)));
        QTest::newRow("forward throws")
            << QStringList{"profile", kFixtures + "/throws_scripted.pt", "--data", "idx:" + images} << 2
            << "RuntimeError: this model refuses every input";
        QTest::newRow("input shape") << QStringList{"inspect", tiny} << 2
                                     << "tiny_cnn_scripted.pt cannot run on t10k-images-idx3-ubyte.gz";
        QTest::newRow("empty data set")
            << QStringList{"inspect", degenerate, "--data",
                           "idx:" + write(path("none.idx"), testing::idxBytes({0, 8, 8}, {}))}
            << 2 << "none.idx: IDX dimension 0 has size 0";
        QTest::newRow("labels out of range")
            << QStringList{"trial",
                           degenerate,
                           "--data",
                           "idx:" + images + "," + write(path("lab20.idx"), testing::idxBytes({700}, QByteArray(700, 20))),
                           "--eval",
                           "64"}
            << 2 << "has labels up to 20 but " + degenerate + " outputs only 10 classes";
        QTest::newRow("IDX wrong magic")
            << QStringList{"inspect", degenerate, "--data",
                           "idx:" + write(path("magic.idx"),
                                          "\x01\x02" + testing::idxBytes({700, 8, 8}, pixels).mid(2))}
            << 2 << "magic.idx is not an IDX file: wrong magic number";
        QTest::newRow("IDX truncated")
            << QStringList{"inspect", degenerate, "--data",
                           "idx:" +
                               write(path("short.idx"), testing::idxBytes({700, 8, 8}, pixels.left(1000)))}
            << 2 << "short.idx is truncated";
        QTest::newRow("images and labels counts")
            << QStringList{"inspect", degenerate, "--data",
                           "idx:" + images + "," +
                               write(path("lab3.idx"), testing::idxBytes({3}, "\x01\x02\x03"))}
            << 2 << "img8.idx has 700 samples but " + path("lab3.idx") + " has 3 labels";

        // Odd but usable.
        const QString data8 = "idx:" + images + "," + labels;
        QTest::newRow("NaN and Inf weights")
            << QStringList{"trial", degenerate, "--data", data8, "--eval", "64"} << 0
            << "fc1: the weight holds NaN or infinite values; left in float";
        QTest::newRow("constant weight, all-zero activation")
            << QStringList{"trial",  degenerate, "--data",    data8,
                           "--eval", "64",       "--weights", "int8:per_tensor:affine"}
            << 0 << "fc1: NaN or infinite values (in the float model too)";

        // A float model that is itself broken is no baseline: refused before anything is
        // recorded, naming the tensors (a PyTorch-trained CNN with one NaN and one Inf weight).
        QTest::newRow("float model with NaN and Inf weights")
            << QStringList{"trial", kFixtures + "/nonfinite_cnn_scripted.pt", "--eval", "64"} << 2
            << "its tensors hold conv2.weight: 1 NaN; fc.weight: 1 Inf";

        // Recurrent layers QuantScope leaves float, and static mode on recurrent layers.
        const QString sequences = "random:7,8?n=600";
        QTest::newRow("LSTM with proj_size")
            << QStringList{"trial", kFixtures + "/lstm_projection_scripted.pt", "--data", sequences} << 0
            << "rnn: an LSTM with proj_size is left in float";
        QTest::newRow("LSTM fed a packed sequence")
            << QStringList{"trial", kFixtures + "/packed_lstm_scripted.pt", "--data", sequences} << 0
            << "rnn: an LSTM fed a packed sequence (pack_padded_sequence) is left in float";
        QTest::newRow("static activations on a GRU")
            << QStringList{"trial", kFixtures + "/gru_scripted.pt", "--data", sequences} << 0
            << "recurrent layers take no static activation quantization";

        // Configurations.
        auto config = [&](const QString& name, const QByteArray& json) {
            return write(path(name), R"({"format": "quantscope-config", "version": 1, )" + json + "}");
        };
        QTest::newRow("config: missing layer")
            << QStringList{"trial", "--config",
                           config("missing.json", R"("layers": {"conv9": {"weights": "int4"}})")}
            << 2 << "names layer 'conv9', which Fashion-MNIST MobileNet (demo) does not have";
        QTest::newRow("config: wrong type")
            << QStringList{"trial", "--config", config("type.json", R"("weights": 8)")} << 2
            << R"(type.json: "weights" must be a spec string)";
        for (const char* bits : {"int0", "int1", "int9", "int33"})
            QTest::newRow(qPrintable(QStringLiteral("config: %1").arg(bits)))
                << QStringList{"trial", "--config",
                               config(QStringLiteral("%1.json").arg(bits),
                                      QByteArray(R"("weights": ")") + bits + "\"")}
                << 2 << QStringLiteral("%1 bits is not supported").arg(QString(bits).mid(3));
        QTest::newRow("config: negative group")
            << QStringList{"trial", "--config", config("group.json", R"("weights": "int4:group-8")")} << 2
            << "group size must be a positive integer";

        // Random data: a bad shape, a bad dtype, integers without their bound.
        QTest::newRow("random shape") << QStringList{"inspect", "--data", "random:3,0,28"} << 2
                                      << "the shape 3,0,28 is not a list of sizes from 1 to 65536";
        QTest::newRow("random dtype") << QStringList{"inspect", "--data", "random:1,28,28?dtype=half"} << 2
                                      << "unknown option 'dtype=half' (supported: mean, std, dtype=float|int64, n, seed, high)";
        QTest::newRow("random integers without high") << QStringList{"inspect", "--data", "random:64?dtype=int64"} << 2
                                                      << "integers need high=V";

        // Databases.
        const QString junk = write(path("junk.db"), QByteArray(8192, 'x'));
        QTest::newRow("database: corrupt")
            << QStringList{"trial", "--db", junk, "--eval", "64"} << 2 << "it is not a QuantScope database, or it is corrupt";
        {
            QSqlDatabase newer = QSqlDatabase::addDatabase("QSQLITE", "newer");
            newer.setDatabaseName(path("newer.db"));
            newer.open();
            QSqlQuery(newer).exec("PRAGMA user_version = 99");
            newer.close();
        }
        QSqlDatabase::removeDatabase("newer");
        QTest::newRow("database: newer schema")
            << QStringList{"trial", "--db", path("newer.db"), "--eval", "64"} << 2
            << "was written by a newer QuantScope";
    }

    // Each command takes only its own options: one that does not apply is refused, named.
    void optionsThatDoNotApplyAreRefused()
    {
        const Run r = cli({"inspect", "--max-drop", "3"}, m_dir.path());
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("inspect does not take --max-drop (it takes --data, --output, --json, --input-shape)"), qPrintable(r.err));
        QCOMPARE(r.err.count('\n'), 1);
        const Run history = cli({"history", "--weights", "int4", "--db", m_db}, m_dir.path());
        QCOMPARE(history.code, 2);
        QVERIFY2(history.err.contains("history does not take --weights"), qPrintable(history.err));
        // The help lists every command and every data format.
        const Run help = cli({"--help"}, m_dir.path());
        QCOMPARE(help.code, 0);
        for (const char* word : {"inspect", "profile", "trial", "sensitivity", "methods", "search", "history", "compare",
                                 "export", "idx:", "npy:", "tensors:", "folder:", "report"})
            QVERIFY2(help.out.contains(QLatin1String(word)), word);
    }

    void corpus()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QStringList cliArgs = args;
        const QStringList recording{"trial", "sensitivity", "search", "history", "compare", "export"};
        if (!args.contains("--db") && recording.contains(args.value(0))) // the commands that take a database
            cliArgs << "--db" << m_db;
        const Run r = cli(cliArgs, m_dir.path());
        QCOMPARE(r.code, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        if (exitCode == 2) // progress lines may come first; the error is one line
            QCOMPARE(r.err.count(QStringLiteral("quantscope-cli: ")), 1);

        const QString db = args.contains("--db") ? args[args.indexOf("--db") + 1] : m_db;
        try {
            const QStringList warnings = runEngine(args, db);
            QVERIFY2(exitCode == 0, "the engine accepted what the CLI refused");
            QVERIFY2(warnings.join('\n').contains(message), qPrintable(warnings.join('\n')));
        } catch (const EngineError& e) {
            QVERIFY2(exitCode == 2, qPrintable(e.message()));
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY2(e.message().contains(message), qPrintable(e.message()));
        }
        // Nothing stored is lost, and a refused trial adds nothing.
        if (exitCode == 2)
            QCOMPARE(Store(m_db, Store::Access::ReadOnly).trials().size(), m_storedTrials);
        QVERIFY(Store(m_db, Store::Access::ReadOnly).trials().size() >= m_storedTrials);
        m_storedTrials = Store(m_db, Store::Access::ReadOnly).trials().size();
    }

    // Models and data larger than the memory budget are refused before they are loaded.
    void memoryBudget()
    {
        // The language-model fixture (437,760 parameters) is larger than 1 MiB; the demo is not.
        const QString lm = kFixtures + "/tiny_lm_scripted.pt";
        const Run model = cli({"inspect", lm}, m_dir.path(), "1");
        QCOMPARE(model.code, 2);
        QVERIFY2(model.err.contains("tiny_lm_scripted.pt would need about") &&
                     model.err.contains("the memory budget is 1.00 MiB (set QUANTSCOPE_MEMORY_MB"),
                 qPrintable(model.err));
        const Run data = cli({"inspect"}, m_dir.path(), "10");
        QCOMPARE(data.code, 2);
        QVERIFY2(data.err.contains("t10k-images-idx3-ubyte.gz would need about"), qPrintable(data.err));
        qputenv("QUANTSCOPE_MEMORY_MB", "1");
        try {
            Model::load(lm);
            QFAIL("the language model loaded within a 1 MB budget");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY(e.message().contains("the memory budget is 1.00 MiB"));
        }
        qunsetenv("QUANTSCOPE_MEMORY_MB");
        QVERIFY(loadDemoModel() != nullptr);
    }

    // Another process holds the database: the CLI waits, then says so; the trial already stored
    // is still there once the lock is gone.
    void lockedDatabase()
    {
        Run r;
        {
            QSqlDatabase lock = QSqlDatabase::addDatabase("QSQLITE", "lock");
            lock.setDatabaseName(m_db);
            QVERIFY(lock.open());
            QSqlQuery q(lock);
            QVERIFY(q.exec("BEGIN EXCLUSIVE"));
            r = cli({"trial", "--db", m_db, "--eval", "64"}, m_dir.path());
            QVERIFY(q.exec("ROLLBACK"));
            q = QSqlQuery();
            lock.close();
        }
        QSqlDatabase::removeDatabase("lock");
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(m_db) && r.err.contains("another process holds a lock on it"),
                 qPrintable(r.err));
        QCOMPARE(Store(m_db, Store::Access::ReadOnly).trials().size(), m_storedTrials);
    }
};

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
