#include <QImage>
#include <QtTest>

#include "common/Error.h"
#include "data/ImageFolder.h"
#include "data/ImageLoader.h"

using namespace evolq;

namespace {
void writeImage(const QString& path, int w, int h, QImage::Format f, QRgb colour) {
    QDir().mkpath(QFileInfo(path).path());
    QImage img(w, h, f);
    img.fill(colour);
    QVERIFY(img.save(path));
}
}  // namespace

class TestImageFolder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void classFoldersInSortedOrder() {
        QTemporaryDir d;
        // Byte order: "B" < "a" < "b", as Python's sorted() and torchvision order them.
        for (const QString c : {"b", "a", "B"})
            writeImage(d.filePath(c + "/x.png"), 4, 4, QImage::Format_RGB32, qRgb(1, 2, 3));
        writeImage(d.filePath("a/y.jpg"), 4, 4, QImage::Format_RGB32, qRgb(1, 2, 3));
        QDir().mkpath(d.filePath("empty"));  // a folder without images is not a class
        const ImageFolder f = ImageFolder::scan(d.path());
        QCOMPARE(f.classes(), (QStringList{"B", "a", "b"}));
        QCOMPARE(f.size(), 4);
        QCOMPARE(f.items()[1].relative, QString("a/x.png"));
        QCOMPARE(f.items()[1].label, 1);
        QCOMPARE(f.items()[3].label, 2);
    }

    void flatFolderIsUnlabelled() {
        QTemporaryDir d;
        writeImage(d.filePath("2.png"), 4, 4, QImage::Format_RGB32, 0);
        writeImage(d.filePath("1.bmp"), 4, 4, QImage::Format_RGB32, 0);
        QFile txt(d.filePath("notes.txt"));
        txt.open(QIODevice::WriteOnly);
        const ImageFolder f = ImageFolder::scan(d.path());
        QVERIFY(!f.labelled());
        QCOMPARE(f.size(), 2);
        QCOMPARE(f.items()[0].relative, QString("1.bmp"));
        QCOMPARE(f.items()[0].label, -1);
    }

    void emptyOrMissingFolderIsAnError() {
        QTemporaryDir d;
        QVERIFY_THROWS_EXCEPTION(Error, ImageFolder::scan(d.path()));
        QVERIFY_THROWS_EXCEPTION(Error, ImageFolder::scan(d.filePath("missing")));
    }

    void fileIsNotAFolder() {
        QTemporaryDir d;
        const QString file = d.filePath("image.png");
        writeImage(file, 8, 8, QImage::Format_RGB32, qRgb(1, 2, 3));
        try {
            ImageFolder::scan(file);
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(e.message().contains(file) && e.message().contains("not a folder"),
                     qPrintable(e.message()));
        }
    }

    // libjpeg decodes a cut-off JPEG with a warning and grey rows; the loader skips it instead.
    void truncatedJpegIsSkipped() {
        QTemporaryDir d;
        QImage img(64, 64, QImage::Format_RGB32);
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x) img.setPixel(x, y, qRgb(x * 4, y * 4, (x ^ y) * 4));
        QVERIFY(QDir().mkpath(d.filePath("a")));
        QVERIFY(img.save(d.filePath("a/whole.jpg"), "JPEG", 90));
        QFile whole(d.filePath("a/whole.jpg"));
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QByteArray bytes = whole.readAll();
        QFile cut(d.filePath("a/cut.jpg"));
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(bytes.left(bytes.size() * 2 / 3));
        cut.close();
        Preprocess rgb;
        rgb.imageSize = 64;
        rgb.cropPct = 1.0;
        rgb.mean = {0, 0, 0};
        rgb.std = {1, 1, 1};
        const LoadedImages li = loadImages(ImageFolder::scan(d.path()), rgb);
        QCOMPARE(li.images.size(0), int64_t(1));
        QCOMPARE(li.failed.size(), 1);
        QVERIFY2(li.failed[0].startsWith("a/cut.jpg") && li.failed[0].contains("truncated JPEG"),
                 qPrintable(li.failed[0]));
    }

    void subsetIsSeededAndOrdered() {
        QTemporaryDir d;
        for (int i = 0; i < 20; ++i)
            writeImage(d.filePath(QString("c/%1.png").arg(i, 2, 10, QChar('0'))), 2, 2,
                       QImage::Format_RGB32, 0);
        const ImageFolder f = ImageFolder::scan(d.path());
        const ImageFolder a = f.subset(5, 1), b = f.subset(5, 1), c = f.subset(5, 2);
        QCOMPARE(a.size(), 5);
        for (int i = 0; i < 5; ++i) QCOMPARE(a.items()[i].path, b.items()[i].path);
        bool differs = false;
        for (int i = 0; i < 5; ++i) differs |= a.items()[i].path != c.items()[i].path;
        QVERIFY(differs);
        for (int i = 1; i < 5; ++i) QVERIFY(a.items()[i - 1].relative < a.items()[i].relative);
    }

    void decodeConvertsChannelsAndSkipsBadFiles() {
        QTemporaryDir d;
        writeImage(d.filePath("a/gray.png"), 8, 8, QImage::Format_Grayscale8, qRgb(51, 51, 51));
        writeImage(d.filePath("a/red.png"), 8, 8, QImage::Format_RGB32, qRgb(255, 0, 0));
        QFile bad(d.filePath("a/zbad.png"));
        bad.open(QIODevice::WriteOnly);
        bad.write("not an image");
        bad.close();
        const ImageFolder f = ImageFolder::scan(d.path());
        Preprocess rgb;
        rgb.imageSize = 8;
        rgb.cropPct = 1.0;
        rgb.mean = {0, 0, 0};
        rgb.std = {1, 1, 1};
        const LoadedImages li = loadImages(f, rgb);
        QCOMPARE(li.images.size(0), int64_t(2));
        QCOMPARE(li.failed.size(), 1);
        QVERIFY(li.failed[0].startsWith("a/zbad.png"));
        // Gray replicated to RGB; red stays red in RGB order (not OpenCV's BGR).
        QVERIFY(std::abs(li.images[0][1][3][3].item<float>() - 0.2f) < 1e-6);
        QCOMPARE(li.images[1][0][0][0].item<float>(), 1.0f);
        QCOMPARE(li.images[1][2][0][0].item<float>(), 0.0f);
        // To one channel: ITU-R 601 luma of pure red is 0.299.
        Preprocess gray = rgb;
        gray.channels = 1;
        gray.mean = {0};
        gray.std = {1};
        const LoadedImages g = loadImages(f, gray);
        QVERIFY(std::abs(g.images[1][0][0][0].item<float>() - 76.0f / 255) < 1e-6);
    }

    void resizeShorterSideThenCenterCrop() {
        QTemporaryDir d;
        // 40 x 20 with a 4-pixel white column at the horizontal centre: after resizing the shorter
        // side to 10 (size 8 / crop 0.8) and cropping 8 x 8, the white column stays in the middle.
        QImage img(40, 20, QImage::Format_RGB32);
        img.fill(qRgb(0, 0, 0));
        for (int y = 0; y < 20; ++y)
            for (int x = 18; x < 22; ++x) img.setPixel(x, y, qRgb(255, 255, 255));
        QVERIFY(img.save(d.filePath("w.png")));
        Preprocess p;
        p.imageSize = 8;
        p.cropPct = 0.8;
        p.interpolation = "nearest";
        p.mean = {0, 0, 0};
        p.std = {1, 1, 1};
        QString err;
        const torch::Tensor t = loadImage(d.filePath("w.png"), p, &err);
        QVERIFY2(t.defined(), qPrintable(err));
        QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{3, 8, 8}));
        QCOMPARE(t[0][4][4].item<float>(), 1.0f);
        QCOMPARE(t[0][4][0].item<float>(), 0.0f);
        QCOMPARE(t[0][4][7].item<float>(), 0.0f);
    }
};

QTEST_GUILESS_MAIN(TestImageFolder)
#include "TestImageFolder.moc"
