#include "Output.h"

#include <QJsonDocument>
#include <cstdio>
#include <memory>

namespace evolq::cli {

void out(const QString& line) {
    std::fputs((line + "\n").toLocal8Bit().constData(), stdout);
    std::fflush(stdout);
}

void progress(const QString& line) {
    std::fputs((line + "\n").toLocal8Bit().constData(), stderr);
    std::fflush(stderr);
}

void printJson(const QJsonObject& o) {
    out(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)).trimmed());
}

ProgressFn progressLines(const QString& what) {
    auto lastTenth = std::make_shared<int>(-1);
    return [what, lastTenth](int done, int total, double eta) {
        const int tenth = total > 0 ? 10 * done / total : 0;
        if (tenth == *lastTenth && done != total) return;
        *lastTenth = tenth;
        progress(QString("%1 %2 / %3%4")
                     .arg(what)
                     .arg(done)
                     .arg(total)
                     .arg(eta >= 0 && done < total ? QString(", ETA %1 s").arg(eta, 0, 'f', 0)
                                                   : QString()));
    };
}

}  // namespace evolq::cli
