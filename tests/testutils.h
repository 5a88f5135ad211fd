#pragma once
// What the test suites share: one runner for quantscope-cli (and other programs), a wait for a
// signal, and a fixture that opens the demo in a window. No wait here has a time bound: a slow
// machine is not a failure, and a hang is ended by the CTest entry's timeout.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QString>
#include <QStringList>

#include <limits>
#include <type_traits>

namespace qs::test {

struct Run {
    int code = -1; ///< -1: crashed
    QString out, err;
};

/// The timeout for QTRY_*_WITH_TIMEOUT: none that a test reaches (the CTest entry's ends a hang).
constexpr int kUntilCTestTimeout = std::numeric_limits<int>::max() / 4;

/// Waits until `spy`'s signal is emitted once more, however long that takes; true then (for
/// QVERIFY). The CTest entry's timeout ends a signal that never comes.
inline bool arrives(QSignalSpy& spy)
{
    const qsizetype before = spy.count();
    while (spy.count() == before)
        spy.wait(1000);
    return true;
}

/// Runs `program` with XDG_DATA_HOME at `dataHome` (so that it never touches the user's trial
/// database) and the extra environment given, until it ends.
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
    if (!p.waitForFinished(-1))
        return {-1, QString(), QStringLiteral("%1 did not start or crashed: %2").arg(program, p.errorString())};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

/// One Python process for a suite's checks (tests/export/checkserver.py): PyTorch is imported
/// once. run() gives what running `python3 ARGS` would: its exit code, stdout and stderr.
class PythonChecks
{
public:
    Run run(const QStringList& args)
    {
        if (m_process.state() == QProcess::NotRunning) {
            m_process.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral(QS_SOURCE "/tests/export/checkserver.py")});
            if (!m_process.waitForStarted(-1))
                return {-1, QString(), QStringLiteral("python3 did not start: %1").arg(m_process.errorString())};
        }
        const QJsonObject request{{QStringLiteral("argv"), QJsonArray::fromStringList(args)}};
        m_process.write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
        while (!m_process.canReadLine())
            if (!m_process.waitForReadyRead(-1))
                return {-1, QString(), QStringLiteral("the Python check process ended: %1")
                                           .arg(QString::fromUtf8(m_process.readAllStandardError()))};
        const QJsonObject reply = QJsonDocument::fromJson(m_process.readLine()).object();
        return {reply.value(QStringLiteral("code")).toInt(-1), reply.value(QStringLiteral("out")).toString(),
                reply.value(QStringLiteral("err")).toString()};
    }
    ~PythonChecks()
    {
        m_process.closeWriteChannel(); // the server ends at the end of its input
        m_process.waitForFinished(-1);
    }

private:
    QProcess m_process;
};

/// quantscope-cli with `args`.
inline Run runCli(const QStringList& args, const QString& dataHome, const QList<QPair<QString, QString>>& environment = {})
{
    return runProgram(QStringLiteral(QS_CLI), args, dataHome, environment);
}

} // namespace qs::test

namespace qs::test {

/// Opens the bundled demo in a window (or anything with session() and openDemo()) and waits
/// for it.
template<class Window>
bool openDemo(Window& w)
{
    QSignalSpy opened(w.session(), &std::remove_pointer_t<decltype(w.session())>::modelOpened);
    w.openDemo();
    return arrives(opened);
}

} // namespace qs::test
