#pragma once
// What the test suites share: one runner for quantscope-cli (and other programs) that kills a
// run that does not finish and says so, and a fixture that opens the demo in a window.

#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QString>
#include <QStringList>

#include <type_traits>

namespace qs::test {

struct Run {
    int code = -1; ///< -1: crashed, or killed after the time limit
    QString out, err;
};

/// Runs `program` with XDG_DATA_HOME at `dataHome` (so that it never touches the user's trial
/// database) and the extra environment given; kills it after ten minutes (a sanitizer build on
/// a busy machine is slow) and reports that in `err`.
inline Run runProgram(const QString& program, const QStringList& args, const QString& dataHome,
                      const QList<QPair<QString, QString>>& environment = {})
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), dataHome);
    for (const auto& [name, value] : environment)
        env.insert(name, value);
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!p.waitForFinished(600000)) {
        p.kill();
        p.waitForFinished();
        return {-1, QString(), QStringLiteral("%1 did not finish in ten minutes").arg(program)};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

/// quantscope-cli with `args`.
inline Run runCli(const QStringList& args, const QString& dataHome, const QList<QPair<QString, QString>>& environment = {})
{
    return runProgram(QStringLiteral(QS_CLI), args, dataHome, environment);
}

} // namespace qs::test

namespace qs::test {

/// Opens the bundled demo in a window (or anything with session() and openDemo()) and waits
/// for it; false when it did not open within two minutes.
template<class Window>
bool openDemo(Window& w)
{
    QSignalSpy opened(w.session(), &std::remove_pointer_t<decltype(w.session())>::modelOpened);
    w.openDemo();
    return opened.wait(120000);
}

} // namespace qs::test
