#pragma once

#include <QString>

#include "common/Error.h"

namespace evolq::test {

// Runs f, which must throw evolq::Error; returns its message ("" when nothing was thrown).
template <typename F>
QString errorOf(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.message().isEmpty() ? QString("<empty message>") : e.message();
    }
    return QString();
}

}  // namespace evolq::test
