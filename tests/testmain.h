#pragma once
// main() for the suites that CTest runs in parts (tests/CMakeLists.txt, PARTS): as QTEST_MAIN,
// and "--except F1,F2,…" runs every test function but those (a name with a data tag, F:TAG,
// excepts the whole function), so that a function added to the suite lands in its last part
// without anyone listing it.

#include <QCoreApplication>
#include <QMetaMethod>
#include <QStringList>
#include <QTest>

namespace qs::test {

inline int execParts(QObject* test, int argc, char** argv)
{
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    const qsizetype at = args.indexOf(QStringLiteral("--except"));
    if (at < 0)
        return QTest::qExec(test, args);
    // A function named with a data tag ("f:int4") is another part's: every row of it should be.
    QStringList except;
    for (const QString& f : args.value(at + 1).split(u',', Qt::SkipEmptyParts))
        except << f.section(u':', 0, 0);
    args.remove(at, 2);
    const QStringList fixtures{QStringLiteral("initTestCase"), QStringLiteral("cleanupTestCase"), QStringLiteral("init"),
                               QStringLiteral("cleanup")};
    const QMetaObject* meta = test->metaObject();
    for (int i = meta->methodOffset(); i < meta->methodCount(); ++i) {
        const QMetaMethod m = meta->method(i);
        const QString name = QString::fromLatin1(m.name());
        if (m.methodType() == QMetaMethod::Slot && m.access() == QMetaMethod::Private && m.parameterCount() == 0 &&
            !fixtures.contains(name) && !name.endsWith(QLatin1String("_data")) && !except.contains(name))
            args << name;
    }
    return QTest::qExec(test, args);
}

} // namespace qs::test

#define QS_TEST_GUILESS_MAIN(TestObject)                                                                               \
    int main(int argc, char** argv)                                                                                    \
    {                                                                                                                  \
        QCoreApplication app(argc, argv);                                                                              \
        TestObject tc;                                                                                                 \
        QTEST_SET_MAIN_SOURCE_PATH                                                                                     \
        return qs::test::execParts(&tc, argc, argv);                                                                   \
    }

#ifdef QT_WIDGETS_LIB
#include <QApplication>

#define QS_TEST_MAIN(TestObject)                                                                                       \
    int main(int argc, char** argv)                                                                                    \
    {                                                                                                                  \
        QApplication app(argc, argv);                                                                                  \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                                       \
        TestObject tc;                                                                                                 \
        QTEST_SET_MAIN_SOURCE_PATH                                                                                     \
        return qs::test::execParts(&tc, argc, argv);                                                                   \
    }
#endif
