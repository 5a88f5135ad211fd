#include "store.h"

#include "errors.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>
#include <QUuid>
#include <QVariant>

#include <cmath>

namespace qs {

namespace {

// Schema version 1. Later versions append steps to kMigrations; never edit a shipped step.
const char* const kMigrations[] = {
    R"(CREATE TABLE models(
         id INTEGER PRIMARY KEY,
         sha256 TEXT NOT NULL UNIQUE,
         name TEXT NOT NULL);
       CREATE TABLE datasets(
         id INTEGER PRIMARY KEY,
         spec TEXT NOT NULL UNIQUE);
       CREATE TABLE trials(
         id INTEGER PRIMARY KEY,
         model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
         dataset_id INTEGER NOT NULL REFERENCES datasets(id),
         created TEXT NOT NULL,
         origin TEXT NOT NULL CHECK(origin IN ('manual', 'sensitivity', 'search')),
         name TEXT NOT NULL DEFAULT '',
         note TEXT NOT NULL DEFAULT '',
         config TEXT NOT NULL,
         has_accuracy INTEGER NOT NULL,
         top1 REAL NOT NULL,
         float_top1 REAL NOT NULL,
         output_sqnr REAL,
         size_bytes INTEGER NOT NULL,
         float_bytes INTEGER NOT NULL,
         evaluation_samples INTEGER NOT NULL,
         error_samples INTEGER NOT NULL,
         seconds REAL NOT NULL,
         warnings TEXT NOT NULL,
         layer_count INTEGER NOT NULL);
       CREATE TABLE trial_layers(
         trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
         idx INTEGER NOT NULL,
         name TEXT NOT NULL,
         weight_spec TEXT NOT NULL,
         activation_spec TEXT NOT NULL,
         weight_bits INTEGER NOT NULL,
         weight_sqnr REAL,
         activation_sqnr REAL,
         output_sqnr REAL,
         output_mse REAL NOT NULL,
         output_cosine REAL NOT NULL,
         output_max_abs_error REAL NOT NULL,
         weight_qparams TEXT NOT NULL,
         activation_qparams TEXT NOT NULL,
         PRIMARY KEY(trial_id, idx));
       CREATE INDEX trials_by_model ON trials(model_id);)",
    // Schema 2: calibrated activation qparams, so reopening a model does not recalibrate.
    R"(CREATE TABLE calibrations(
         model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
         dataset_id INTEGER NOT NULL REFERENCES datasets(id),
         key TEXT NOT NULL,
         qparams TEXT NOT NULL,
         PRIMARY KEY(model_id, dataset_id, key));)",
    // Schema 3: language models' perplexity (NULL for classifiers).
    R"(ALTER TABLE trials ADD COLUMN perplexity REAL;
       ALTER TABLE trials ADD COLUMN float_perplexity REAL;)",
    // Schema 4: the int8 model's end-to-end latency and the float model's (NULL: never timed).
    R"(ALTER TABLE trials ADD COLUMN int8_ms REAL;
       ALTER TABLE trials ADD COLUMN float_ms REAL;
       ALTER TABLE trials ADD COLUMN latency_batch INTEGER;)",
    // Schema 5: the evaluation batch size; per layer the local error (local_measured 0: not
    // measured; NULL local_sqnr: unchanged), the activation error in steps and the rounding /
    // clipping split of the weight's and the activation's quantization error.
    R"(ALTER TABLE trials ADD COLUMN batch_size INTEGER;
       ALTER TABLE trial_layers ADD COLUMN local_measured INTEGER NOT NULL DEFAULT 0;
       ALTER TABLE trial_layers ADD COLUMN local_sqnr REAL;
       ALTER TABLE trial_layers ADD COLUMN rmse_over_scale REAL;
       ALTER TABLE trial_layers ADD COLUMN weight_rounding_mse REAL NOT NULL DEFAULT 0;
       ALTER TABLE trial_layers ADD COLUMN weight_clipping_mse REAL NOT NULL DEFAULT 0;
       ALTER TABLE trial_layers ADD COLUMN weight_clipped_share REAL NOT NULL DEFAULT 0;
       ALTER TABLE trial_layers ADD COLUMN activation_rounding_mse REAL NOT NULL DEFAULT 0;
       ALTER TABLE trial_layers ADD COLUMN activation_clipping_mse REAL NOT NULL DEFAULT 0;
       ALTER TABLE trial_layers ADD COLUMN activation_clipped_share REAL NOT NULL DEFAULT 0;
       ALTER TABLE trial_layers ADD COLUMN weight_unused_levels REAL;)",
    // 6: what a trial's techniques chose per layer (JSON: equalized_with, equalization_scales,
    //    equalized_after, bias_correction, adaround: flipped, losses and the rounding bits), NULL without techniques.
    R"(ALTER TABLE trial_layers ADD COLUMN techniques TEXT;)",
    // 7: the calibration split a trial ran with (its first N samples, in batches of B), so that
    //    exports and re-measurements use the trial's own split; NULL for older trials.
    R"(ALTER TABLE trials ADD COLUMN calibration_samples INTEGER;
       ALTER TABLE trials ADD COLUMN calibration_batch INTEGER;)",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == Store::kSchemaVersion, "one step per version");

namespace {

/// A layer's technique fields as the trial_layers.techniques column keeps them (NULL: none).
QVariant techniquesText(const LayerTrialResult& l)
{
    if (l.equalizedWith.isEmpty() && l.equalizedAfter.isEmpty() && l.biasCorrection.isEmpty() && l.adaroundUp.isEmpty() &&
        l.seqmseChosen.isEmpty())
        return QVariant(QMetaType(QMetaType::QString));
    auto array = [](const QVector<double>& v) {
        QJsonArray a;
        for (double x : v)
            a.append(x);
        return a;
    };
    QJsonObject o;
    if (!l.equalizedWith.isEmpty())
        o[QStringLiteral("equalized_with")] = l.equalizedWith;
    if (!l.equalizationScales.isEmpty())
        o[QStringLiteral("equalization_scales")] = array(l.equalizationScales);
    if (!l.highBiasAbsorbed.isEmpty())
        o[QStringLiteral("high_bias_absorbed")] = array(l.highBiasAbsorbed);
    if (!l.equalizedAfter.isEmpty())
        o[QStringLiteral("equalized_after")] = l.equalizedAfter;
    if (!l.biasCorrection.isEmpty())
        o[QStringLiteral("bias_correction")] = array(l.biasCorrection);
    if (!l.adaroundUp.isEmpty())
        o[QStringLiteral("adaround")] = QJsonObject{{QStringLiteral("flipped"), l.adaroundFlipped},
                                                    {QStringLiteral("loss_nearest"), l.adaroundLossNearest},
                                                    {QStringLiteral("loss"), l.adaroundLoss},
                                                    {QStringLiteral("up"), QString::fromLatin1(l.adaroundUp.toBase64())}};
    if (!l.seqmseChosen.isEmpty()) {
        QJsonArray chosen;
        for (int k : l.seqmseChosen)
            chosen.append(k);
        o[QStringLiteral("seqmse")] = QJsonObject{{QStringLiteral("chosen"), chosen},
                                                  {QStringLiteral("output_mse_minmax"), l.seqmseOutputMseMinMax},
                                                  {QStringLiteral("output_mse"), l.seqmseOutputMse}};
    }
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void readTechniques(const QString& text, LayerTrialResult& l)
{
    if (text.isEmpty())
        return;
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    auto vector = [&](const char* key) {
        QVector<double> v;
        for (const QJsonValue& x : o.value(QLatin1String(key)).toArray())
            v << x.toDouble();
        return v;
    };
    l.equalizedWith = o.value(QLatin1String("equalized_with")).toString();
    l.equalizationScales = vector("equalization_scales");
    l.highBiasAbsorbed = vector("high_bias_absorbed");
    l.equalizedAfter = o.value(QLatin1String("equalized_after")).toString();
    l.biasCorrection = vector("bias_correction");
    const QJsonObject a = o.value(QLatin1String("adaround")).toObject();
    if (!a.isEmpty()) {
        l.adaroundFlipped = a.value(QLatin1String("flipped")).toDouble();
        l.adaroundLossNearest = a.value(QLatin1String("loss_nearest")).toDouble();
        l.adaroundLoss = a.value(QLatin1String("loss")).toDouble();
        l.adaroundUp = QByteArray::fromBase64(a.value(QLatin1String("up")).toString().toLatin1());
    }
    const QJsonObject q = o.value(QLatin1String("seqmse")).toObject();
    if (!q.isEmpty()) {
        for (const QJsonValue& k : q.value(QLatin1String("chosen")).toArray())
            l.seqmseChosen << k.toInt();
        l.seqmseOutputMseMinMax = q.value(QLatin1String("output_mse_minmax")).toDouble();
        l.seqmseOutputMse = q.value(QLatin1String("output_mse")).toDouble();
    }
}

} // namespace


/// SQNR is +inf when nothing changed; stored as NULL.
QVariant db(double v)
{
    return std::isfinite(v) ? QVariant(v) : QVariant(QMetaType(QMetaType::Double));
}

/// QParams as compact JSON: {"scale": [...], "zero_point": [...], "quant_min", "quant_max", "axis"}.
QString qparamsJson(const QParams& q)
{
    QJsonArray scale, zeroPoint;
    for (double v : q.scale)
        scale.append(v);
    for (qint64 v : q.zeroPoint)
        zeroPoint.append(double(v));
    const QJsonObject o{{QStringLiteral("scale"), scale},
                        {QStringLiteral("zero_point"), zeroPoint},
                        {QStringLiteral("quant_min"), q.quantMin},
                        {QStringLiteral("quant_max"), q.quantMax},
                        {QStringLiteral("axis"), q.axis}};
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QParams qparamsFromJson(const QString& text)
{
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    QParams q;
    for (const auto& v : o.value(QLatin1String("scale")).toArray())
        q.scale << v.toDouble();
    for (const auto& v : o.value(QLatin1String("zero_point")).toArray())
        q.zeroPoint << qint64(v.toDouble());
    q.quantMin = o.value(QLatin1String("quant_min")).toInt();
    q.quantMax = o.value(QLatin1String("quant_max")).toInt();
    q.axis = o.value(QLatin1String("axis")).toInt(-1);
    return q;
}

/// Qt binds a null QString as SQL NULL; text columns want ''.
QVariant text(const QString& s)
{
    return QVariant(s.isNull() ? QStringLiteral("") : s);
}

double fromDb(const QVariant& v)
{
    return v.isNull() ? std::numeric_limits<double>::infinity() : v.toDouble();
}

} // namespace

QString Store::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/QuantScope/quantscope.db");
}

Store::Store(const QString& path, Access access) : m_path(path), m_connection(QUuid::createUuid().toString())
{
    const QFileInfo info(path);
    if (access == Access::ReadOnly && !info.exists())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("trial database %1 does not exist").arg(path));
    if (info.exists() && !info.isFile())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("trial database %1 is not a file").arg(path));
    if (!info.exists() && !QDir().mkpath(info.absolutePath()))
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("cannot create the folder for trial database %1").arg(path));
    m_readOnly = access == Access::ReadOnly || (info.exists() && !info.isWritable());
    QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    d.setDatabaseName(path);
    d.setConnectOptions(m_readOnly ? QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000")
                                   : QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!d.open())
        fail(QStringLiteral("cannot open"), d.lastError().text());
    migrate();
}

Store::~Store()
{
    QSqlDatabase::database(m_connection, false).close();
    QSqlDatabase::removeDatabase(m_connection);
}

void Store::fail(const QString& what, const QString& detail) const
{
    QString reason = detail.trimmed();
    if (reason.contains(QLatin1String("file is not a database")) ||
        reason.contains(QLatin1String("malformed")))
        reason = QStringLiteral("it is not a QuantScope database, or it is corrupt (%1)").arg(reason);
    else if (reason.contains(QLatin1String("locked")) || reason.contains(QLatin1String("busy")))
        reason = QStringLiteral("another process holds a lock on it (%1)").arg(reason);
    else if (reason.contains(QLatin1String("readonly")) || reason.contains(QLatin1String("read-only")))
        reason = QStringLiteral("the file is read-only; nothing was written");
    throw EngineError(ErrorKind::BadInput, QStringLiteral("trial database %1: %2: %3").arg(m_path, what, reason));
}

void Store::exec(const QString& sql) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(sql))
        fail(QStringLiteral("cannot run '%1'").arg(sql.simplified().left(40)), q.lastError().text());
}

void Store::setWriteAheadLog()
{
    // The journal mode changes only without other connections in a transaction, and SQLite may
    // answer "locked" at once instead of waiting: try again for a while. It stays set in the file.
    QSqlQuery q(QSqlDatabase::database(m_connection));
    for (int attempt = 0;; ++attempt) {
        if (q.exec(QStringLiteral("PRAGMA journal_mode = WAL")))
            return;
        const QString error = q.lastError().text();
        if (attempt >= 100 || !(error.contains(QLatin1String("locked")) || error.contains(QLatin1String("busy"))))
            fail(QStringLiteral("cannot use a write-ahead log"), error);
        QThread::msleep(50);
    }
}

void Store::migrate()
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        fail(QStringLiteral("cannot read"), q.lastError().text());
    const int version = q.value(0).toInt();
    q.finish();
    if (version > kSchemaVersion)
        throw EngineError(ErrorKind::BadInput,
                          QStringLiteral("trial database %1 was written by a newer QuantScope (schema %2; this one "
                                         "knows up to %3); it was left unchanged")
                              .arg(m_path)
                              .arg(version)
                              .arg(kSchemaVersion));
    exec(QStringLiteral("PRAGMA foreign_keys = ON"));
    if (version == kSchemaVersion)
        return;
    if (m_readOnly) {
        // Reading an older database (history, export): a writable connection of its own upgrades
        // the file first when the file can be written, as any writing command would.
        if (!QFileInfo(m_path).isWritable())
            fail(QStringLiteral("cannot upgrade"), QStringLiteral("read-only"));
        Store upgrade(m_path);
        return;
    }
    setWriteAheadLog();
    // Each step under the write lock, reading the version again inside it: two programs that
    // open a new database at once (the window and its engine thread, or the window and the CLI)
    // take turns, and the second finds the first's work done.
    QSqlDatabase d = QSqlDatabase::database(m_connection);
    for (;;) {
        QSqlQuery step(d);
        if (!step.exec(QStringLiteral("BEGIN IMMEDIATE")))
            fail(QStringLiteral("cannot upgrade"), step.lastError().text());
        if (!step.exec(QStringLiteral("PRAGMA user_version")) || !step.next()) {
            const QString error = step.lastError().text();
            step.exec(QStringLiteral("ROLLBACK"));
            fail(QStringLiteral("cannot read"), error);
        }
        const int v = step.value(0).toInt();
        step.finish();
        if (v >= kSchemaVersion) {
            step.exec(QStringLiteral("COMMIT"));
            return;
        }
        for (const QString& statement : QString::fromUtf8(kMigrations[v]).split(u';', Qt::SkipEmptyParts)) {
            if (statement.trimmed().isEmpty())
                continue;
            QSqlQuery m(d);
            if (!m.exec(statement)) {
                const QString error = m.lastError().text();
                step.exec(QStringLiteral("ROLLBACK"));
                fail(QStringLiteral("cannot upgrade to schema %1").arg(v + 1), error);
            }
        }
        if (!step.exec(QStringLiteral("PRAGMA user_version = %1").arg(v + 1)) || !step.exec(QStringLiteral("COMMIT"))) {
            const QString error = step.lastError().text();
            step.exec(QStringLiteral("ROLLBACK"));
            fail(QStringLiteral("cannot upgrade"), error);
        }
    }
}

qint64 Store::addTrial(const QString& modelSha256, const QString& modelName, const QString& dataSpec,
                       const QuantConfig& config, const TrialResult& r, const QString& origin, const QString& name)
{
    if (m_readOnly)
        fail(QStringLiteral("cannot record the trial"), QStringLiteral("read-only"));
    QSqlDatabase d = QSqlDatabase::database(m_connection);
    if (!d.transaction())
        fail(QStringLiteral("cannot record the trial"), d.lastError().text());
    auto check = [&](QSqlQuery& q) {
        if (!q.exec()) {
            const QString error = q.lastError().text();
            d.rollback();
            fail(QStringLiteral("cannot record the trial"), error);
        }
    };
    QSqlQuery q(d);
    q.prepare(QStringLiteral("INSERT INTO models(sha256, name) VALUES(?, ?) ON CONFLICT(sha256) DO NOTHING"));
    q.addBindValue(modelSha256);
    q.addBindValue(modelName);
    check(q);
    q.prepare(QStringLiteral("INSERT INTO datasets(spec) VALUES(?) ON CONFLICT(spec) DO NOTHING"));
    q.addBindValue(dataSpec);
    check(q);
    q.prepare(QStringLiteral(
        "INSERT INTO trials(model_id, dataset_id, created, origin, name, config, has_accuracy, top1, float_top1, "
        "output_sqnr, size_bytes, float_bytes, evaluation_samples, error_samples, seconds, warnings, layer_count, "
        "perplexity, float_perplexity, batch_size, calibration_samples, calibration_batch) "
        "VALUES((SELECT id FROM models WHERE sha256 = ?), (SELECT id FROM datasets WHERE spec = ?), ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const QVariant noInt(QMetaType(QMetaType::LongLong));
    const bool lm = r.metric == Metric::Perplexity;
    const QVariant none(QMetaType(QMetaType::Double));
    for (const QVariant& v : {QVariant(modelSha256), QVariant(dataSpec),
                              QVariant(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)), QVariant(origin),
                              text(name), QVariant(QString::fromUtf8(config.toJson())), QVariant(r.hasAccuracy),
                              QVariant(r.top1), QVariant(r.floatTop1), db(r.outputSqnr), QVariant(r.sizeBytes),
                              QVariant(r.floatBytes), QVariant(r.evaluationSamples), QVariant(r.errorSamples),
                              QVariant(r.seconds), text(r.warnings.join(u'\n')), QVariant(qint64(r.layers.size())),
                              lm ? QVariant(r.perplexity) : none, lm ? QVariant(r.floatPerplexity) : none,
                              r.batchSize > 0 ? QVariant(r.batchSize) : noInt,
                              r.calibrationSamples >= 0 ? QVariant(r.calibrationSamples) : noInt,
                              r.calibrationBatch > 0 ? QVariant(r.calibrationBatch) : noInt})
        q.addBindValue(v);
    check(q);
    const qint64 id = q.lastInsertId().toLongLong();
    for (int i = 0; i < r.layers.size(); ++i) {
        const LayerTrialResult& l = r.layers[i];
        q.prepare(QStringLiteral(
            "INSERT INTO trial_layers(trial_id, idx, name, weight_spec, activation_spec, weight_bits, weight_sqnr, "
            "activation_sqnr, output_sqnr, output_mse, output_cosine, output_max_abs_error, weight_qparams, "
            "activation_qparams, local_measured, local_sqnr, rmse_over_scale, weight_rounding_mse, weight_clipping_mse, "
            "weight_clipped_share, activation_rounding_mse, activation_clipping_mse, activation_clipped_share, "
            "weight_unused_levels, techniques) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?)"));
        for (const QVariant& v :
             {QVariant(id), QVariant(i), QVariant(l.name), QVariant(l.weightSpec), QVariant(l.activationSpec),
              QVariant(l.weightBits), db(l.weightSqnr), db(l.activationSqnr), db(l.outputSqnr), QVariant(l.outputMse),
              QVariant(l.outputCosine), QVariant(l.outputMaxAbsError), QVariant(qparamsJson(l.weightQParams)),
              QVariant(qparamsJson(l.activationQParams)), QVariant(!std::isnan(l.localSqnr)), db(l.localSqnr),
              db(l.rmseOverScale), QVariant(l.weightRoundingMse), QVariant(l.weightClippingMse),
              QVariant(l.weightClippedShare), QVariant(l.activationRoundingMse), QVariant(l.activationClippingMse),
              QVariant(l.activationClippedShare), db(l.weightUnusedLevels), techniquesText(l)})
            q.addBindValue(v);
        check(q);
    }
    if (!d.commit()) {
        const QString error = d.lastError().text();
        d.rollback();
        fail(QStringLiteral("cannot record the trial"), error);
    }
    return id;
}

QVector<StoredTrial> Store::trials(const QString& modelSha256) const
{
    return select(QStringLiteral("? = '' OR m.sha256 = ?"), {text(modelSha256), text(modelSha256)});
}

QVector<StoredTrial> Store::select(const QString& where, const QVariantList& binds) const
{
    QSqlDatabase d = QSqlDatabase::database(m_connection);
    QSqlQuery q(d);
    q.prepare(QStringLiteral(
        "SELECT t.id, t.created, t.origin, t.name, t.note, m.sha256, m.name, s.spec, t.config, t.has_accuracy, "
        "t.top1, t.float_top1, t.output_sqnr, t.size_bytes, t.float_bytes, t.evaluation_samples, t.error_samples, "
        "t.seconds, t.warnings, t.perplexity, t.float_perplexity, t.int8_ms, t.float_ms, t.latency_batch, t.batch_size, t.calibration_samples, t.calibration_batch FROM trials t JOIN models m ON m.id = t.model_id JOIN datasets s ON s.id = "
        "t.dataset_id WHERE ") + where + QStringLiteral(" ORDER BY t.id"));
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec())
        fail(QStringLiteral("cannot read trials"), q.lastError().text());
    QVector<StoredTrial> out;
    while (q.next()) {
        StoredTrial t;
        t.id = q.value(0).toLongLong();
        t.created = QDateTime::fromString(q.value(1).toString(), Qt::ISODateWithMs);
        t.origin = q.value(2).toString();
        t.name = q.value(3).toString();
        t.note = q.value(4).toString();
        t.modelSha256 = q.value(5).toString();
        t.modelName = q.value(6).toString();
        t.dataSpec = q.value(7).toString();
        t.config = q.value(8).toString().toUtf8();
        try {
            t.settings = QuantConfig::fromJson(t.config, QStringLiteral("trial %1").arg(t.id));
        } catch (const EngineError&) {
            // Written by this store, so it parses; a hand-edited row keeps the defaults and its text.
        }
        TrialResult& r = t.result;
        r.hasAccuracy = q.value(9).toBool();
        r.top1 = q.value(10).toDouble();
        r.floatTop1 = q.value(11).toDouble();
        r.outputSqnr = fromDb(q.value(12));
        r.sizeBytes = q.value(13).toLongLong();
        r.floatBytes = q.value(14).toLongLong();
        r.evaluationSamples = q.value(15).toLongLong();
        r.errorSamples = q.value(16).toLongLong();
        r.seconds = q.value(17).toDouble();
        r.batchSize = q.value(24).toInt();
        r.calibrationSamples = q.value(25).isNull() ? -1 : q.value(25).toLongLong(); // NULL: an older trial
        r.calibrationBatch = q.value(26).toInt();
        const QString warnings = q.value(18).toString();
        if (!warnings.isEmpty())
            r.warnings = warnings.split(u'\n');
        r.metric = r.hasAccuracy ? Metric::Accuracy : Metric::Agreement;
        if (!q.value(19).isNull()) {
            r.metric = Metric::Perplexity;
            r.perplexity = q.value(19).toDouble();
            r.floatPerplexity = q.value(20).toDouble();
        }
        t.int8Ms = q.value(21).toDouble();
        t.floatMs = q.value(22).toDouble();
        t.latencyBatch = q.value(23).toInt();
        out << t;
    }
    return out;
}

StoredTrial Store::trial(qint64 id) const
{
    const QVector<StoredTrial> one = select(QStringLiteral("t.id = ?"), {QVariant(id)});
    if (one.isEmpty())
        throw EngineError(ErrorKind::BadInput, QStringLiteral("trial database %1 has no trial %2").arg(m_path).arg(id));
    StoredTrial found = one.first();
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral(
        "SELECT name, weight_spec, activation_spec, weight_bits, weight_sqnr, activation_sqnr, output_sqnr, output_mse, "
        "output_cosine, output_max_abs_error, weight_qparams, activation_qparams, local_measured, local_sqnr, "
        "rmse_over_scale, weight_rounding_mse, weight_clipping_mse, weight_clipped_share, activation_rounding_mse, "
        "activation_clipping_mse, activation_clipped_share, weight_unused_levels, techniques FROM trial_layers "
        "WHERE trial_id = ? ORDER BY idx"));
    q.addBindValue(id);
    if (!q.exec())
        fail(QStringLiteral("cannot read trial %1").arg(id), q.lastError().text());
    while (q.next()) {
        LayerTrialResult l;
        l.name = q.value(0).toString();
        l.weightSpec = q.value(1).toString();
        l.activationSpec = q.value(2).toString();
        l.weightBits = q.value(3).toInt();
        l.weightSqnr = fromDb(q.value(4));
        l.activationSqnr = fromDb(q.value(5));
        l.outputSqnr = fromDb(q.value(6));
        l.outputMse = q.value(7).toDouble();
        l.outputCosine = q.value(8).toDouble();
        l.outputMaxAbsError = q.value(9).toDouble();
        l.weightQParams = qparamsFromJson(q.value(10).toString());
        l.activationQParams = qparamsFromJson(q.value(11).toString());
        if (q.value(12).toBool())
            l.localSqnr = fromDb(q.value(13));
        if (!q.value(14).isNull())
            l.rmseOverScale = q.value(14).toDouble();
        l.weightRoundingMse = q.value(15).toDouble();
        l.weightClippingMse = q.value(16).toDouble();
        l.weightClippedShare = q.value(17).toDouble();
        l.activationRoundingMse = q.value(18).toDouble();
        l.activationClippingMse = q.value(19).toDouble();
        l.activationClippedShare = q.value(20).toDouble();
        if (!q.value(21).isNull())
            l.weightUnusedLevels = q.value(21).toDouble();
        readTechniques(q.value(22).toString(), l);
        found.result.layers << l;
    }
    return found;
}

bool Store::loadCalibration(const QString& modelSha256, const QString& dataSpec, const QString& key,
                            QVector<QParams>& qparams) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT c.qparams FROM calibrations c JOIN models m ON m.id = c.model_id JOIN datasets s "
                             "ON s.id = c.dataset_id WHERE m.sha256 = ? AND s.spec = ? AND c.key = ?"));
    q.addBindValue(text(modelSha256));
    q.addBindValue(text(dataSpec));
    q.addBindValue(text(key));
    if (!q.exec() || !q.next())
        return false;
    qparams.clear();
    for (const auto& v : QJsonDocument::fromJson(q.value(0).toString().toUtf8()).array())
        qparams << qparamsFromJson(QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)));
    return true;
}

void Store::saveCalibration(const QString& modelSha256, const QString& modelName, const QString& dataSpec,
                            const QString& key, const QVector<QParams>& qparams)
{
    if (m_readOnly)
        return; // a cache: without it the next session calibrates again
    QJsonArray all;
    for (const QParams& q : qparams)
        all.append(QJsonDocument::fromJson(qparamsJson(q).toUtf8()).object());
    QSqlDatabase d = QSqlDatabase::database(m_connection);
    d.transaction();
    QSqlQuery q(d);
    q.prepare(QStringLiteral("INSERT INTO models(sha256, name) VALUES(?, ?) ON CONFLICT(sha256) DO NOTHING"));
    q.addBindValue(text(modelSha256));
    q.addBindValue(text(modelName));
    bool ok = q.exec();
    q.prepare(QStringLiteral("INSERT INTO datasets(spec) VALUES(?) ON CONFLICT(spec) DO NOTHING"));
    q.addBindValue(text(dataSpec));
    ok = ok && q.exec();
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO calibrations(model_id, dataset_id, key, qparams) VALUES("
                             "(SELECT id FROM models WHERE sha256 = ?), (SELECT id FROM datasets WHERE spec = ?), ?, ?)"));
    q.addBindValue(text(modelSha256));
    q.addBindValue(text(dataSpec));
    q.addBindValue(text(key));
    q.addBindValue(QString::fromUtf8(QJsonDocument(all).toJson(QJsonDocument::Compact)));
    ok = ok && q.exec();
    if (!ok || !d.commit()) {
        const QString error = q.lastError().text();
        d.rollback();
        fail(QStringLiteral("cannot save a calibration"), error);
    }
}

void Store::modify(const QString& sql, const QVariantList& binds, const QString& what)
{
    if (m_readOnly)
        fail(what, QStringLiteral("read-only"));
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec())
        fail(what, q.lastError().text());
}

void Store::setLatency(qint64 id, int batch, double floatMs, double int8Ms)
{
    modify(QStringLiteral("UPDATE trials SET int8_ms = ?, float_ms = ?, latency_batch = ? WHERE id = ?"),
           {int8Ms, floatMs, batch, id}, QStringLiteral("cannot record the latency of trial %1").arg(id));
}

void Store::rename(qint64 id, const QString& name)
{
    modify(QStringLiteral("UPDATE trials SET name = ? WHERE id = ?"), {text(name), id},
           QStringLiteral("cannot rename trial %1").arg(id));
}

void Store::setNote(qint64 id, const QString& note)
{
    modify(QStringLiteral("UPDATE trials SET note = ? WHERE id = ?"), {text(note), id},
           QStringLiteral("cannot change the note of trial %1").arg(id));
}

void Store::remove(qint64 id)
{
    modify(QStringLiteral("DELETE FROM trials WHERE id = ?"), {id}, QStringLiteral("cannot delete trial %1").arg(id));
}

} // namespace qs
