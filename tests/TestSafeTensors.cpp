#include <QtTest>
#include <cstring>

#include "common/Error.h"
#include "model/SafeTensors.h"

using namespace evolq;

namespace {

// A file from a header text and a data area, as a hostile writer could make it.
QByteArray craft(const QByteArray& header, const QByteArray& data, qint64 claimedLen = -1) {
    QByteArray out(8, '\0');
    const quint64 len =
        claimedLen >= 0 ? static_cast<quint64>(claimedLen) : static_cast<quint64>(header.size());
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((len >> (8 * i)) & 0xff);
    return out + header + data;
}

QByteArray floats(std::initializer_list<float> v) {
    QByteArray b(static_cast<int>(v.size() * 4), '\0');
    std::memcpy(b.data(), v.begin(), v.size() * 4);
    return b;
}

}  // namespace

class TestSafeTensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsF32F16BF16() {
        // 1.0, -2.0 in F16 are 0x3c00, 0xc000; in BF16 0x3f80, 0xc000; a subnormal F16 0x0001.
        QByteArray data = floats({1.5f, -2.25f});
        const char f16[] = {0x00, 0x3c, 0x00, (char)0xc0, 0x01, 0x00};
        const char bf16[] = {(char)0x80, 0x3f, 0x00, (char)0xc0};
        data.append(f16, 6);
        data.append(bf16, 4);
        const QByteArray h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F16","shape":[3],"data_offsets":[8,14]},)"
                             R"("c":{"dtype":"BF16","shape":[1,2],"data_offsets":[14,18]},)"
                             R"("__metadata__":{"format":"pt"}})";
        const SafeTensorsFile st = SafeTensorsFile::parse(craft(h, data), "mem");
        QCOMPARE(st.tensors().size(), size_t(3));
        QCOMPARE(st.metadata().value("format"), QString("pt"));
        const auto a = st.toFloat(*st.find("a"));
        QCOMPARE(a[0], 1.5f);
        QCOMPARE(a[1], -2.25f);
        const auto b = st.toFloat(*st.find("b"));
        QCOMPARE(b[0], 1.0f);
        QCOMPARE(b[1], -2.0f);
        QCOMPARE(b[2], 5.9604645e-08f);  // smallest F16 subnormal
        const auto c = st.toFloat(*st.find("c"));
        QCOMPARE(c[0], 1.0f);
        QCOMPARE(c[1], -2.0f);
        QCOMPARE(st.find("c")->shape, (std::vector<int64_t>{1, 2}));
    }

    void writeReadRoundTrip() {
        QTemporaryDir dir;
        const QString path = dir.filePath("t.safetensors");
        writeSafeTensors(path, {{"x.weight", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"y", {1}, {-7.5f}}},
                         {{"k", "v"}});
        const SafeTensorsFile st = SafeTensorsFile::read(path);
        QCOMPARE(st.toFloat(*st.find("x.weight")), (std::vector<float>{1, 2, 3, 4, 5, 6}));
        QCOMPARE(st.toFloat(*st.find("y")), (std::vector<float>{-7.5f}));
        QCOMPARE(st.metadata().value("k"), QString("v"));
    }

    void rejectsBadFiles_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        const QByteArray d8 = floats({1, 2});
        QTest::addRow("shorter than 8 bytes")
            << QByteArray("abc") << "shorter than the 8-byte header length";
        QTest::addRow("header past end")
            << craft("{}", "", 1000) << "runs past the end of the file";
        QTest::addRow("header over 100 MB")
            << craft("{}", "", 200000000) << "exceeds the 100 MB limit";
        QTest::addRow("not JSON") << craft("{nope", d8) << "not valid JSON";
        QTest::addRow("not an object") << craft("[1,2]", d8) << "not a JSON object";
        QTest::addRow("unknown dtype")
            << craft(R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", d8)
            << "tensor 'a': unsupported dtype 'F64'";
        QTest::addRow("missing dtype") << craft(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", d8)
                                       << "tensor 'a': missing dtype";
        QTest::addRow("negative shape")
            << craft(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8)
            << "tensor 'a': shape holds a value";
        QTest::addRow("offsets outside data")
            << craft(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", d8)
            << "tensor 'a': data_offsets [0, 16] run past";
        QTest::addRow("end before begin")
            << craft(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", d8)
            << "tensor 'a': data_offsets [8, 4] end before";
        QTest::addRow("size mismatch")
            << craft(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8)
            << "tensor 'a': holds 8 bytes but shape x F32 needs 12";
        QTest::addRow("overlap")
            << craft(
                   R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                   d8)
            << "tensors 'a' and 'b' overlap";
        QTest::addRow("duplicate name")
            << craft(
                   R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                   d8)
            << "tensor 'a' is listed twice";
        QTest::addRow("bad offsets type")
            << craft(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":["0",8]}})", d8)
            << "data_offsets are not non-negative integers";
        QTest::addRow("metadata not strings")
            << craft(
                   R"({"__metadata__":{"x":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                   d8)
            << "__metadata__ entry 'x' is not a string";
        QTest::addRow("huge shape product")
            << craft(
                   R"({"a":{"dtype":"F32","shape":[4000000000,4000000000,4000000000],"data_offsets":[0,8]}})",
                   d8)
            << "tensor 'a': holds 8 bytes";
    }
    void rejectsBadFiles() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        try {
            SafeTensorsFile::parse(bytes, "crafted.safetensors");
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(e.message().startsWith("crafted.safetensors: "), qPrintable(e.message()));
            QVERIFY2(e.message().contains(expected), qPrintable(e.message()));
        }
    }

    void missingFileNamesIt() {
        try {
            SafeTensorsFile::read("/nonexistent/model.safetensors");
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY(e.message().contains("/nonexistent/model.safetensors"));
        }
    }
};

QTEST_GUILESS_MAIN(TestSafeTensors)
#include "TestSafeTensors.moc"
