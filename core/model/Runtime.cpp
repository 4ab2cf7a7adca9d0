#include "model/Runtime.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QThread>

#include "common/Version.h"

namespace evolq {

int initRuntime(int threads) {
    if (threads <= 0) threads = std::max(1, QThread::idealThreadCount());
    at::set_num_threads(threads);
    return at::get_num_threads();
}

int runtimeThreads() {
    return at::get_num_threads();
}

QString runtimeDescription() {
    return QString("LibTorch %1, %2 intra-op threads")
        .arg(TORCH_VERSION)
        .arg(at::get_num_threads());
}

namespace {
QString firstExisting(const QStringList& candidates) {
    for (const QString& c : candidates)
        if (QFileInfo(c).isDir()) return QDir(c).absolutePath();
    return candidates.value(0);
}
}  // namespace

QString defaultModelDir() {
    const QString app =
        QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QString();
    return firstExisting({QString(EVOLQ_SOURCE_MODELS_DIR) + "/vit-tiny-fmnist",
                          app + "/../share/evolq-workbench/models/vit-tiny-fmnist",
                          QString(EVOLQ_INSTALL_MODELS_DIR) + "/vit-tiny-fmnist"});
}

QString defaultDataDir() {
    return QString(EVOLQ_SOURCE_DATA_DIR) + "/fashion-mnist";
}

}  // namespace evolq
