#pragma once
// What quantscope-cli's commands share: the dispatch table's entry type, output helpers, and
// the options that several commands read.

#include "data.h"
#include "model.h"
#include "quant.h"
#include "recording.h"
#include "trial.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <memory>

namespace qs::cli {

/// One command: its name, a line of help, the options it accepts, and what runs it.
struct Command {
    QString name;
    QString usage;   ///< e.g. "trial [MODEL]"
    QString summary; ///< one line for --help
    QStringList options;
    int (*run)(const QCommandLineParser& p);
};

/// Every command, in --help's order (defined in main.cpp).
const QVector<Command>& commands();

int inspect(const QCommandLineParser& p);
int profileCommand(const QCommandLineParser& p);
int trial(const QCommandLineParser& p);
int sensitivity(const QCommandLineParser& p);
int methods(const QCommandLineParser& p);
int search(const QCommandLineParser& p);
int history(const QCommandLineParser& p);
int compare(const QCommandLineParser& p);
int exportTrial(const QCommandLineParser& p);
int latencyCommand(const QCommandLineParser& p);
int graphCommand(const QCommandLineParser& p);

QTextStream& out();
/// Rows as left-aligned columns under a header.
void printTable(const QStringList& header, const QVector<QStringList>& rows);
/// Four significant digits.
QString num(double v);
void printJson(const QJsonObject& o);

/// The model (positional, default: the demo) and the data (--data, default: the demo's).
struct Inputs {
    std::shared_ptr<Model> model;
    std::shared_ptr<Dataset> data;
    TrialSubject subject() const { return TrialSubject::of(*model, *data); }
};
Inputs openInputs(const QCommandLineParser& p);
/// --NAME as an integer of at least `minimum`; `fallback` when not given.
qint64 intOption(const QCommandLineParser& p, const QString& name, qint64 fallback, qint64 minimum);
/// "40000", "40K" (×1024) or "1.5M" (×1024²) bytes.
qint64 sizeOption(const QCommandLineParser& p, const QString& name);
/// --db, or the per-user trial database.
QString dbPath(const QCommandLineParser& p);
/// A trial id from the command line.
qint64 trialId(const QString& text);
/// The quantization settings from --config, --weights, --activations and --mode, over `config`.
QuantConfig configFromOptions(const QCommandLineParser& p, QuantConfig config = QuantConfig());
/// --calib, --eval, --batch.
TrialOptions trialOptions(const QCommandLineParser& p);
/// Keeps a trial's int8 and float end-to-end latency in the trial database (a warning when it cannot).
void recordLatency(const QCommandLineParser& p, qint64 id, int batch, double floatMs, double int8Ms);
/// --write-config FILE, when given.
void writeConfig(const QCommandLineParser& p, const QuantConfig& config);

} // namespace qs::cli
