#pragma once

#include <QJsonObject>
#include <QString>

#include "session/Session.h"

namespace evolq::cli {

// Results go to stdout, progress and errors to stderr.
void out(const QString& line);
void progress(const QString& line);
void printJson(const QJsonObject& o);
// Progress lines "<what> done / total, ETA s" at most every ~10 % of the work.
ProgressFn progressLines(const QString& what);

}  // namespace evolq::cli
