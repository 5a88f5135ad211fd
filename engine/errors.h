#pragma once
// Errors and job control shared by every engine entry point.

#include <QString>

#include <functional>
#include <stdexcept>

namespace qs {

enum class ErrorKind {
    BadInput,  ///< the user's file, data or settings are wrong; the message says which and why
    Cancelled, ///< the job was cancelled by the user
    Internal,  ///< a failure inside QuantScope or LibTorch that input does not explain
};

/// The one exception type the engine lets out. The message names the file, layer or setting.
class EngineError : public std::runtime_error
{
public:
    EngineError(ErrorKind kind, const QString& message)
        : std::runtime_error(message.toStdString()), m_kind(kind), m_message(message)
    {
    }
    ErrorKind kind() const { return m_kind; }
    QString message() const { return m_message; }

private:
    ErrorKind m_kind;
    QString m_message;
};

/// Progress and cancel hooks a long engine job polls between batches.
struct JobControl {
    std::function<void(double fraction, const QString& stage)> progress; ///< fraction in [0, 1]
    std::function<bool()> cancelled;
    /// Runs a function later on the thread that started the job (the GUI thread in the app), for
    /// partial results such as each trial of a search; empty when nobody listens.
    std::function<void(std::function<void()>)> post;

    void report(double fraction, const QString& stage) const
    {
        if (progress)
            progress(fraction, stage);
    }
    /// Throws EngineError(Cancelled) when the user asked to stop.
    void checkCancelled() const
    {
        if (cancelled && cancelled())
            throw EngineError(ErrorKind::Cancelled, QStringLiteral("cancelled"));
    }
};

} // namespace qs
