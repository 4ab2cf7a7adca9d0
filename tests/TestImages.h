#pragma once

#include <QColor>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QRandomGenerator>
#include <QString>

// Image folders for tests (QtGui: link Qt6::Gui).
namespace evolq::test {

// A random RGB PNG of size x size, its green channel shifted by `tint`.
inline void writeRandomPng(const QString& path, int size, QRandomGenerator& rng, int tint = 0) {
    QImage img(size, size, QImage::Format_RGB32);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
            img.setPixel(x, y,
                         qRgb(rng.bounded(256), (tint + rng.bounded(64)) % 256, rng.bounded(256)));
    img.save(path);
}

// An ImageFolder of random RGB PNGs written with QImage: `classes` sub-folders of `perClass`
// images each, plus one file that is not an image at all.
inline void writeImageFolder(const QString& dir, int classes, int perClass, int size = 32,
                             quint32 seed = 3) {
    QRandomGenerator rng(seed);
    for (int c = 0; c < classes; ++c) {
        const QString sub = QString("%1/class_%2").arg(dir).arg(c);
        QDir().mkpath(sub);
        for (int i = 0; i < perClass; ++i)
            writeRandomPng(QString("%1/img_%2.png").arg(sub).arg(i, 3, 10, QChar('0')), size, rng,
                           c * 120);
    }
    QFile broken(QString("%1/class_0/broken.png").arg(dir));
    broken.open(QIODevice::WriteOnly);
    broken.write("this is not a PNG file");
}

// A flat (unlabelled) folder of `count` random RGB PNGs, no sub-folders.
inline void writeFlatFolder(const QString& dir, int count, int size = 32, quint32 seed = 5) {
    QRandomGenerator rng(seed);
    QDir().mkpath(dir);
    for (int i = 0; i < count; ++i)
        writeRandomPng(QString("%1/flat_%2.png").arg(dir).arg(i, 3, 10, QChar('0')), size, rng);
}

}  // namespace evolq::test
