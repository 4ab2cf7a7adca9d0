#include <QElapsedTimer>

#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "data/FashionMnist.h"
#include "model/Runtime.h"

namespace evolq::cli {

int cmdPrepare(const QStringList& args) {
    CliArgs a("prepare-fashion-mnist", "Write Fashion-MNIST as PNG folders: train/, val/, calib/.");
    a.option("source", "folder with the IDX files", "DIR", fashionMnistDefaultSource());
    a.option("out", QString("output folder (default: %1)").arg(defaultDataDir()), "DIR",
             defaultDataDir());
    if (!a.parse(args)) return 0;
    QElapsedTimer t;
    t.start();
    const FashionMnistResult r = prepareFashionMnist(a.str("source"), a.str("out"), progress);
    out(QString("%1: train %2, val %3, calib %4 images%5 (%6 s)")
            .arg(a.str("out"))
            .arg(r.train)
            .arg(r.val)
            .arg(r.calib)
            .arg(r.alreadyComplete ? ", already complete" : "")
            .arg(t.elapsed() / 1000.0, 0, 'f', 1));
    return 0;
}

}  // namespace evolq::cli
