#include "data/FashionMnist.h"

#include <zlib.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Version.h"

namespace evolq {

QStringList fashionMnistClassFolders() {
    return {"00_t-shirt_top", "01_trouser", "02_pullover", "03_dress", "04_coat",
            "05_sandal",      "06_shirt",   "07_sneaker",  "08_bag",   "09_ankle_boot"};
}

QString fashionMnistDefaultSource() {
    return "/usr/share/datasets/fashion-mnist";
}

IdxData readIdx(const QString& path) {
    gzFile gz = gzopen(QFile::encodeName(path).constData(), "rb");  // reads plain files too
    if (!gz) throw Error(QString("%1: cannot open").arg(path));
    QByteArray bytes;
    char buf[1 << 16];
    int got;
    while ((got = gzread(gz, buf, sizeof buf)) > 0) bytes.append(buf, got);
    int errnum = 0;
    const char* msg = gzerror(gz, &errnum);
    const bool readError = got < 0 || (errnum != Z_OK && errnum != Z_STREAM_END);
    const QString zmsg = QString::fromLatin1(msg ? msg : "");
    gzclose(gz);
    if (readError) throw Error(QString("%1: corrupt gzip data (%2)").arg(path, zmsg));
    if (bytes.size() < 4) throw Error(QString("%1: too short for an IDX header").arg(path));
    auto be32 = [&](int off) {
        const auto* p = reinterpret_cast<const unsigned char*>(bytes.constData() + off);
        return static_cast<int>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
                                (uint32_t(p[2]) << 8) | p[3]);
    };
    IdxData d;
    d.magic = be32(0);
    if ((d.magic >> 8) != 0x08 || (d.magic & 0xff) < 1 || (d.magic & 0xff) > 4)
        throw Error(
            QString("%1: bad IDX magic number 0x%2 (expected unsigned-byte data, 0x0000080N)")
                .arg(path)
                .arg(static_cast<uint32_t>(d.magic), 8, 16, QChar('0')));
    const int nd = d.magic & 0xff;
    if (bytes.size() < 4 + 4 * nd) throw Error(QString("%1: truncated IDX header").arg(path));
    qint64 count = 1;
    for (int i = 0; i < nd; ++i) {
        d.dims.push_back(be32(4 + 4 * i));
        if (d.dims.back() < 0) throw Error(QString("%1: negative IDX dimension").arg(path));
        count *= d.dims.back();
        // Dimensions of up to 2^31 each overflow a 64-bit product by the fourth: stop as soon
        // as the header promises more than the file can hold.
        if (count > bytes.size())
            throw Error(QString("%1: IDX header promises more data than the file holds (%2 bytes)")
                            .arg(path)
                            .arg(bytes.size()));
    }
    if (bytes.size() - (4 + 4 * nd) != count)
        throw Error(QString("%1: IDX header promises %2 bytes of data but the file holds %3")
                        .arg(path)
                        .arg(count)
                        .arg(bytes.size() - (4 + 4 * nd)));
    d.data = bytes.mid(4 + 4 * nd);
    return d;
}

namespace {

struct Split {
    QByteArray images;  // n * 28 * 28
    QByteArray labels;
    int n = 0;
};

QString findIdx(const QString& dir, const QString& stem) {
    for (const QString& cand : {stem + ".gz", stem}) {
        const QString p = QDir(dir).filePath(cand);
        if (QFileInfo::exists(p)) return p;
    }
    throw Error(QString("%1: missing (install the Debian package dataset-fashion-mnist)")
                    .arg(QDir(dir).filePath(stem + ".gz")));
}

Split readSplit(const QString& dir, const QString& prefix, int expected) {
    const QString ip = findIdx(dir, prefix + "-images-idx3-ubyte");
    const QString lp = findIdx(dir, prefix + "-labels-idx1-ubyte");
    const IdxData im = readIdx(ip), lb = readIdx(lp);
    if (im.magic != 0x803 || im.dims.size() != 3 || im.dims[1] != 28 || im.dims[2] != 28)
        throw Error(
            QString("%1: expected an image IDX file of N x 28 x 28 (magic 0x00000803)").arg(ip));
    if (lb.magic != 0x801 || lb.dims.size() != 1)
        throw Error(QString("%1: expected a label IDX file (magic 0x00000801)").arg(lp));
    if (im.dims[0] != expected)
        throw Error(
            QString("%1: holds %2 images, expected %3").arg(ip).arg(im.dims[0]).arg(expected));
    if (lb.dims[0] != im.dims[0])
        throw Error(
            QString("%1: holds %2 labels for %3 images").arg(lp).arg(lb.dims[0]).arg(im.dims[0]));
    for (char c : lb.data)
        if (static_cast<unsigned char>(c) > 9)
            throw Error(QString("%1: label %2 is outside 0..9")
                            .arg(lp)
                            .arg(int(static_cast<unsigned char>(c))));
    return {im.data, lb.data, im.dims[0]};
}

void writeFolder(const QString& out, const Split& s, const std::vector<int>& indices,
                 const QString& stem) {
    const QStringList classes = fashionMnistClassFolders();
    for (const QString& c : classes)
        if (!QDir().mkpath(QDir(out).filePath(c)))
            throw Error(QString("%1: cannot create folder").arg(QDir(out).filePath(c)));
    for (int i : indices) {
        const int label = static_cast<unsigned char>(s.labels[i]);
        const cv::Mat img(28, 28, CV_8UC1, const_cast<char*>(s.images.constData() + i * 784));
        const QString path = QDir(out).filePath(
            QString("%1/%2_%3.png").arg(classes[label], stem).arg(i, 5, 10, QChar('0')));
        if (!cv::imwrite(QFile::encodeName(path).toStdString(), img))
            throw Error(QString("%1: cannot write").arg(path));
    }
}

}  // namespace

FashionMnistResult prepareFashionMnist(const QString& sourceDir, const QString& outDir,
                                       const std::function<void(const QString&)>& progress) {
    auto say = [&](const QString& s) {
        if (progress) progress(s);
    };
    const QString marker = QDir(outDir).filePath(".complete.json");
    FashionMnistResult r;
    if (QFileInfo::exists(marker)) {
        QFile f(marker);
        if (f.open(QIODevice::ReadOnly)) {
            const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
            r.train = o.value("train").toInt();
            r.val = o.value("val").toInt();
            r.calib = o.value("calib").toInt();
            if (r.train == 60000 && r.val == 10000 && r.calib == 1000) {
                r.alreadyComplete = true;
                say(QString("%1: already complete, left as it is").arg(outDir));
                return r;
            }
        }
    }
    const Split train = readSplit(sourceDir, "train", 60000);
    const Split test = readSplit(sourceDir, "t10k", 10000);
    if (QFileInfo::exists(outDir)) {
        say(QString("%1: incomplete, rebuilding").arg(outDir));
        for (const char* sub : {"train", "val", "calib"})
            QDir(QDir(outDir).filePath(sub)).removeRecursively();
        QFile::remove(marker);
    }
    std::vector<int> all(train.n), allTest(test.n);
    for (int i = 0; i < train.n; ++i) all[i] = i;
    for (int i = 0; i < test.n; ++i) allTest[i] = i;
    say(QString("writing %1/train (60000 images)").arg(outDir));
    writeFolder(QDir(outDir).filePath("train"), train, all, "train");
    say(QString("writing %1/val (10000 images)").arg(outDir));
    writeFolder(QDir(outDir).filePath("val"), test, allTest, "test");
    // Calibration: 100 per class from train, fixed seed, our own shuffle so it is the same
    // everywhere.
    std::mt19937 rng(20231001u);
    std::vector<int> order = all;
    for (int i = static_cast<int>(order.size()) - 1; i > 0; --i)
        std::swap(order[i], order[rng() % static_cast<unsigned>(i + 1)]);
    std::vector<int> calib, perClass(10, 0);
    for (int i : order) {
        const int l = static_cast<unsigned char>(train.labels[i]);
        if (perClass[l] < 100) {
            ++perClass[l];
            calib.push_back(i);
        }
    }
    say(QString("writing %1/calib (1000 images, 100 per class)").arg(outDir));
    writeFolder(QDir(outDir).filePath("calib"), train, calib, "train");
    r.train = 60000;
    r.val = 10000;
    r.calib = static_cast<int>(calib.size());
    const QJsonObject o{{"train", r.train},       {"val", r.val},
                        {"calib", r.calib},       {"source", sourceDir},
                        {"calib_seed", 20231001}, {"program_version", EVOLQ_VERSION}};
    writeFileAtomically(marker, QJsonDocument(o).toJson());
    return r;
}

}  // namespace evolq
