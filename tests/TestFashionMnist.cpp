#include <zlib.h>

#include <QtTest>

#include "TestErrors.h"
#include "data/FashionMnist.h"

using namespace evolq;

namespace {

QByteArray be32(quint32 v) {
    QByteArray b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
    return b;
}

QByteArray idx(quint32 magic, const std::vector<quint32>& dims, const QByteArray& data) {
    QByteArray b = be32(magic);
    for (quint32 d : dims) b += be32(d);
    return b + data;
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

QByteArray gzipped(const QByteArray& bytes) {
    QTemporaryFile t;
    t.open();
    const QString path = t.fileName() + ".gz";
    gzFile gz = gzopen(QFile::encodeName(path).constData(), "wb");
    gzwrite(gz, bytes.constData(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    const QByteArray out = f.readAll();
    f.remove();
    return out;
}

}  // namespace

// The IDX reader of Fashion-MNIST's Debian files, and the preparation's errors.
class TestFashionMnist : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void readsPlainAndGzip() {
        const QByteArray labels = idx(0x801, {3}, QByteArray("\x01\x02\x09", 3));
        const QString plain = m_dir.filePath("labels"), gz = m_dir.filePath("labels.gz");
        writeFile(plain, labels);
        writeFile(gz, gzipped(labels));
        for (const QString& p : {plain, gz}) {
            const IdxData d = readIdx(p);
            QCOMPARE(d.magic, 0x801);
            QCOMPARE(d.dims, std::vector<int>{3});
            QCOMPARE(d.data, QByteArray("\x01\x02\x09", 3));
        }
    }

    void rejectsBadFiles_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        QTest::addRow("empty") << QByteArray() << "too short";
        QTest::addRow("bad magic") << idx(0x0900, {}, {}) << "bad IDX magic";
        QTest::addRow("float data") << idx(0x0d01, {1}, QByteArray(4, '\0')) << "bad IDX magic";
        QTest::addRow("truncated header") << be32(0x803) + be32(2) << "truncated IDX header";
        QTest::addRow("too little data")
            << idx(0x803, {2, 28, 28}, QByteArray(100, '\0')) << "promises";
        QTest::addRow("too much data") << idx(0x801, {2}, QByteArray(3, '\0')) << "promises";
        QTest::addRow("negative dimension")
            << idx(0x801, {0x80000000u}, QByteArray()) << "negative IDX dimension";
        // Four dimensions of 2^31 - 1 overflowed the 64-bit product before it was checked.
        QTest::addRow("dimensions whose product overflows")
            << idx(0x804, {0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu}, QByteArray(8, 'x'))
            << "promises more data";
        QTest::addRow("corrupt gzip")
            << QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", 17) << "";
    }

    void rejectsBadFiles() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        const QString path = m_dir.filePath(QString("bad-%1").arg(QTest::currentDataTag()));
        writeFile(path, bytes);
        const QString e = test::errorOf([&] { readIdx(path); });
        QVERIFY2(!e.isEmpty(), "no error");
        QVERIFY2(e.contains(path) && e.contains(problem), qPrintable(e));
    }

    void missingSourceNamesTheFileAndThePackage() {
        const QString source = m_dir.filePath("no-source");
        const QString out = m_dir.filePath("out");
        const QString e = test::errorOf([&] { prepareFashionMnist(source, out); });
        QVERIFY2(e.contains(source) && e.contains("dataset-fashion-mnist"), qPrintable(e));
        QVERIFY(!QFileInfo::exists(out + "/calib"));
    }
};

QTEST_GUILESS_MAIN(TestFashionMnist)
#include "TestFashionMnist.moc"
