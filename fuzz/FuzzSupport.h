#pragma once

// What every fuzz target shares: a bad input must end in evolq::Error (a message naming the
// source and the problem), never in another exception, a crash or a sanitizer report.
#include <QByteArray>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "common/Error.h"

namespace evolq::fuzz {

inline QCoreApplication& app() {
    static int argc = 1;
    static char name[] = "evolq-fuzz";
    static char* argv[] = {name, nullptr};
    static QCoreApplication a(argc, argv);
    return a;
}

// A folder for the inputs of readers that take a path; removed when the process ends.
inline QDir& scratch() {
    static QTemporaryDir dir;
    static QDir d(dir.path());
    return d;
}

inline QString writeScratch(const QString& name, const uint8_t* data, size_t size) {
    const QString path = scratch().filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        f.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size)) !=
            static_cast<qint64>(size)) {
        std::fprintf(stderr, "%s: cannot write the fuzz input\n", qPrintable(path));
        std::abort();
    }
    return path;
}

// Runs f; evolq::Error is an expected outcome, anything else thrown is a defect.
template <typename F>
void expectErrorOnly(F&& f) {
    try {
        f();
    } catch (const evolq::Error&) {
    } catch (const std::exception& e) {
        std::fprintf(stderr, "not an evolq::Error: %s\n", e.what());
        std::abort();
    }
}

}  // namespace evolq::fuzz
