#pragma once

#include <QString>
#include <QStringList>
#include <functional>

namespace evolq {

// Turns Debian's Fashion-MNIST IDX files into ImageFolder PNG folders: train/ (60,000), val/ (the
// 10,000 test images) and calib/ (100 per class drawn from train with a fixed seed).
struct FashionMnistResult {
    int train = 0, val = 0, calib = 0;
    bool alreadyComplete = false;
};

QStringList fashionMnistClassFolders();
QString fashionMnistDefaultSource();  // /usr/share/datasets/fashion-mnist

// Throws evolq::Error on bad IDX files. Idempotent: a complete output folder is left as it is,
// a partial one rebuilt. `progress(line)` receives human-readable progress lines.
FashionMnistResult prepareFashionMnist(const QString& sourceDir, const QString& outDir,
                                       const std::function<void(const QString&)>& progress = {});

// Reads one IDX file (optionally gzip-compressed); exposed for tests.
struct IdxData {
    int magic = 0;
    std::vector<int> dims;
    QByteArray data;
};
IdxData readIdx(const QString& path);

}  // namespace evolq
