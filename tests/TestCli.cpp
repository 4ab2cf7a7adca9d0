#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>
#include <functional>

#include "TestImages.h"
#include "TestSupport.h"
#include "model/SafeTensors.h"
#include "types/SearchLog.h"

namespace {

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QStringList readLines(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
    return QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write(bytes);
}

QByteArray readBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A copy of a model folder (config.json, model.safetensors), to be spoilt.
QString copyModel(const QString& from, const QString& to) {
    QDir().mkpath(to);
    for (const QString& f : {QString("config.json"), QString("model.safetensors")})
        QFile::copy(from + "/" + f, to + "/" + f);
    return to;
}

// A safetensors file from a header and data as they are (no checks).
QByteArray craftSafeTensors(const QByteArray& header, const QByteArray& data) {
    QByteArray b(8, '\0');
    quint64 n = static_cast<quint64>(header.size());
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return b + header + data;
}

// The JSON object of a file with one change applied by `edit`.
QByteArray editJson(const QString& path, const std::function<void(QJsonObject&)>& edit) {
    QJsonObject o = QJsonDocument::fromJson(readBytes(path)).object();
    edit(o);
    return QJsonDocument(o).toJson();
}

}  // namespace

// Drives the real `evolq` binary, as a user or a batch script would.
class TestCli : public QObject {
    Q_OBJECT

    struct Run {
        int code;
        QByteArray out, err;
    };
    Run evolq(const QStringList& args, int timeoutMs = 300000) {
        QProcess p;
        p.start(QString(EVOLQ_BIN_DIR) + "/evolq", args);
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            return {-999, {}, "timeout"};
        }
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                p.readAllStandardOutput(), p.readAllStandardError()};
    }
    const QString fixture = QString(EVOLQ_SHARED_DIR) + "/fixtures/timm";

    // A tiny random model of our own with its image folders (not the bundled model).
    QTemporaryDir m_dir;
    QString m_model, m_calib, m_val, m_baseline;
    QString m_sha256;

    // The options every pipeline command gets: the tiny model, its calibration folder, a small
    // calibration set.
    QStringList pipeline() const {
        return {"--model", m_model, "--calib", m_calib, "--calib-size", "16", "--calib-batch", "8"};
    }
    // A baseline scale file written by `evolq quantize`, made once.
    QString baselineScales() {
        if (m_baseline.isEmpty()) {
            const QString path = m_dir.filePath("baseline.json");
            const Run r = evolq(QStringList{"quantize"} + pipeline() + QStringList{"--out", path});
            if (r.code == 0 && QFile::exists(path)) m_baseline = path;
        }
        return m_baseline;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath("model");
        m_sha256 =
            evolq::test::makeModel(evolq::test::smallInfo(2, 48, 4, 2), m_model)->info().sha256;
        QCOMPARE(m_sha256.size(), 64);
        m_calib = m_dir.filePath("calib");
        m_val = m_dir.filePath("val");
        evolq::test::writeImageFolder(m_calib, 2, 12, 32, 1);
        evolq::test::writeImageFolder(m_val, 2, 10, 28, 2);
    }

    void versionAndHelp() {
        Run r = evolq({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("evolq "));
        r = evolq({"--help"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("predict"));
        r = evolq({"predict", "--help"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("--topk"));
        r = evolq({"frobnicate"});
        QVERIFY(r.code != 0);
        QVERIFY(r.err.contains("unknown command"));
    }

    void predictReproducesTimm() {
        const Run r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images",
                             fixture + "/images", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonArray images = QJsonDocument::fromJson(r.out).object().value("images").toArray();
        QCOMPARE(images.size(), 8);
        QFile ef(fixture + "/deit_tiny_d1/expected_logits.json");
        QVERIFY(ef.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(ef.readAll()).object();
        QString prev;
        double worst = 0;
        for (const QJsonValue& v : images) {
            const QJsonObject o = v.toObject();
            const QString file = o.value("file").toString();
            QVERIFY(file > prev);  // sorted
            prev = file;
            const QJsonArray got = o.value("logits").toArray(),
                             want = expected.value(file).toArray();
            QCOMPARE(got.size(), 1000);
            QCOMPARE(want.size(), 1000);
            for (int c = 0; c < 1000; ++c)
                worst = std::max(worst, std::abs(got[c].toDouble() - want[c].toDouble()));
            const QJsonArray topk = o.value("topk").toArray();
            QCOMPARE(topk.size(), 5);
            double best = -1e9;
            int bestC = -1;
            for (int c = 0; c < 1000; ++c)
                if (want[c].toDouble() > best) best = want[c].toDouble(), bestC = c;
            QCOMPARE(topk[0].toArray()[0].toInt(), bestC);
        }
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
    }

    void infoJson() {
        const Run r = evolq({"info", fixture + "/deit_tiny_d1", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value("width").toInt(), 192);
        QCOMPARE(o.value("heads").toInt(), 3);
        QCOMPARE(o.value("patch_size").toInt(), 16);
        QCOMPARE(o.value("image_size").toInt(), 224);
        QCOMPARE(o.value("depth").toInt(), 1);
        QCOMPARE(o.value("sha256").toString().size(), 64);
    }

    void badInputsGiveClearErrors() {
        QTemporaryDir empty;
        Run r = evolq({"info", empty.path()});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("config.json") && r.err.contains("not found"), r.err.constData());
        r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images", empty.path()});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(empty.path().toUtf8()) && r.err.contains("no image files"),
                 r.err.constData());
        // A folder whose only image is corrupt: named as skipped, and an error since nothing
        // decodes.
        QFile bad(empty.filePath("broken.png"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("\x89PNG garbage");
        bad.close();
        r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images", empty.path()});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("could be decoded") && r.err.contains("broken.png"),
                 r.err.constData());
        r = evolq({"predict", "--model", fixture + "/deit_tiny_d1", "--images", fixture + "/images",
                   "--topk", "x"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("--topk"));
    }

    void quantizeWritesScalesThatEvalLoads() {
        const QString path = m_dir.filePath("quantized.json");
        Run r = evolq(QStringList{"quantize"} + pipeline() +
                      QStringList{"--out", path, "--val", m_val});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains(path.toUtf8()));
        const QJsonObject doc = readJson(path);
        QCOMPARE(doc.value("format").toString(), QString("evolq-scales"));
        QCOMPARE(doc.value("bit_config").toString(), QString("W2A8"));
        QCOMPARE(doc.value("model").toObject().value("sha256").toString(), m_sha256);
        QCOMPARE(doc.value("calibration").toObject().value("requested").toInt(), 16);
        QVERIFY(!doc.value("quantizers").toArray().isEmpty());
        const QRegularExpressionMatch quantTop1 =
            QRegularExpression("W2A8 top-1 ([0-9.]+) %").match(QString::fromUtf8(r.out));
        QVERIFY2(quantTop1.hasMatch(), r.out.constData());

        // eval --scales: the quantized model of the file, measured as quantize measured it.
        r = evolq({"eval", "--model", m_model, "--scales", path, "--data", m_val, "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject q = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(q.value("precision").toString(), QString("W2A8"));
        QCOMPARE(q.value("images").toInt(), 20);
        QCOMPARE(q.value("model_sha256").toString(), m_sha256);
        QCOMPARE(q.value("quant_config").toObject().value("calib_images").toInt(), 16);
        QCOMPARE(QString::number(q.value("top1").toDouble(), 'f', 2), quantTop1.captured(1));
        // Without scales: the float model.
        r = evolq({"eval", "--model", m_model, "--data", m_val, "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value("precision").toString(),
                 QString("FP32"));
    }

    // --live-landscape: every slice point and every child's projection in the log; the scale
    // file and the fitness history are those of the same run without it; the settings in the
    // provenance. A bad spec is an error before anything runs.
    void searchWithTheLiveLandscape() {
        const QStringList common =
            QStringList{"search"} + pipeline() +
            QStringList{"--val",        m_val, "--passes",  "1", "--cycles",        "2",
                        "--population", "3",   "--samples", "2", "--fitness-batch", "8",
                        "--val-subset", "0"};
        const QString off = m_dir.filePath("live-off.json"), on = m_dir.filePath("live-on.json"),
                      log = m_dir.filePath("live.csv");
        Run r = evolq(common + QStringList{"--out", off});
        QVERIFY2(r.code == 0, r.err.constData());
        r = evolq(common + QStringList{"--out", on, "--log", log, "--live-landscape", "1d:5",
                                       "--live-share", "1000", "--live-axes", "mutation"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("live landscape 1d:5: 2 slices, 10 points"), r.out.constData());
        const QJsonObject a = readJson(off), b = readJson(on);
        QCOMPARE(b.value("quantizers"), a.value("quantizers"));
        const QJsonObject searchA = a.value("search").toObject(),
                          searchB = b.value("search").toObject();
        QCOMPARE(searchB.value("fitness_history"), searchA.value("fitness_history"));
        const QJsonObject live =
            searchB.value("settings").toObject().value("live_landscape").toObject();
        QCOMPARE(live.value("dims").toInt(), 1);
        QCOMPARE(live.value("axes").toString(), QString("mutation"));
        QCOMPARE(searchB.value("live_landscape").toObject().value("points").toInt(), 10);

        QMap<QString, int> events;
        const QStringList lines = readLines(log);
        int header = 0;
        while (header < lines.size() && lines[header].startsWith('#')) ++header;
        for (const QString& line : lines.mid(header + 1)) ++events[line.section(',', 0, 0)];
        QCOMPARE(events.value("slice_start"), 2);
        QCOMPARE(events.value("slice"), 10);
        QCOMPARE(events.value("child"), 6);  // every evaluation: 2 blocks x (1 + 2 cycles)
        QCOMPARE(events.value("fitness"), 6);
        QCOMPARE(events.value("slice_end"), 2);

        r = evolq(common + QStringList{"--out", on, "--live-landscape", "3d:5"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("--live-landscape") && r.err.contains("1d:N"), r.err.constData());
    }

    void searchWritesScalesAndLog() {
        const QString out = m_dir.filePath("searched.json"), log = m_dir.filePath("search.csv");
        const Run r = evolq(QStringList{"search"} + pipeline() +
                            QStringList{"--val", m_val, "--passes", "1", "--cycles", "1",
                                        "--population", "3", "--samples", "2", "--fitness-batch",
                                        "8", "--val-subset", "8", "--out", out, "--log", log});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject doc = readJson(out);
        QVERIFY2(doc.value("validation").isObject(), r.err.constData());
        QVERIFY(doc.value("search").isObject());
        const QJsonObject v = doc.value("validation").toObject();
        for (const char* key : {"fp32_top1", "baseline_top1", "evolq_top1"})
            QVERIFY2(v.value(key).isDouble(), key);
        QCOMPARE(v.value("images").toInt(), 20);
        const QJsonObject search = doc.value("search").toObject();
        QCOMPARE(search.value("evaluations").toInt(), 4);
        QCOMPARE(search.value("settings").toObject().value("passes").toInt(), 1);
        QCOMPARE(search.value("fitness_history").toArray().size(), 4);

        const QStringList lines = readLines(log);
        QVERIFY2(!lines.isEmpty(), qPrintable(log));
        QVERIFY(lines[0].startsWith('#'));
        int header = 0;
        while (header < lines.size() && lines[header].startsWith('#')) ++header;
        QVERIFY(header < lines.size());
        QCOMPARE(lines[header], evolq::SearchLog::columns());
        QMap<QString, int> events;
        int evaluation = 0;
        const int columns = evolq::SearchLog::columns().split(',').size();
        for (const QString& line : lines.mid(header + 1)) {
            const QStringList f = line.split(',');
            QCOMPARE(f.size(), columns);
            ++events[f[0]];
            if (f[0] == "fitness") QCOMPARE(f[1].toInt(), ++evaluation);
        }
        QCOMPARE(events.value("start"), 1);
        QCOMPARE(events.value("fitness"), 4);
        QCOMPARE(events.value("block"), 2);
        QCOMPARE(events.value("end"), 1);
        QCOMPARE(events.size(), 4);
        QVERIFY(lines[header + 1].startsWith("start,"));
        QVERIFY(lines.last().startsWith("end,"));
    }

    void landscapeWritesTheCsv() {
        const QString out = m_dir.filePath("landscape.csv");
        const Run r = evolq(QStringList{"landscape"} + pipeline() +
                            QStringList{"--points", "5", "--subset", "16", "--out", out});
        QVERIFY2(r.code == 0, r.err.constData());
        const QStringList lines = readLines(out);
        int jaggedness = 0, header = -1;
        for (int i = 0; i < lines.size(); ++i) {
            if (lines[i].startsWith("# jaggedness")) ++jaggedness;
            if (header < 0 && !lines[i].startsWith('#')) header = i;
        }
        QCOMPARE(jaggedness, 1);
        QVERIFY(header >= 0);
        QCOMPARE(lines[header], QString("i,a,infonce,mse"));
        const QStringList rows = lines.mid(header + 1);
        QCOMPARE(rows.size(), 5);
        for (int i = 0; i < rows.size(); ++i) {
            const QStringList f = rows[i].split(',');
            QCOMPARE(f.size(), 4);
            QCOMPARE(f[0].toInt(), i);
            bool ok = false;
            QVERIFY(f[2].toDouble(&ok) >= 0 && ok);
        }
    }

    void landscapeOfAnUnknownQuantizerIsAnError() {
        const QString toward = baselineScales();
        QVERIFY(!toward.isEmpty());
        const QString out = m_dir.filePath("never-landscape.csv");
        const Run r =
            evolq(QStringList{"landscape"} + pipeline() +
                  QStringList{"--quantizer", "no.such.weight", "--direction", "toward:" + toward,
                              "--points", "3", "--subset", "16", "--out", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no.such.weight"), r.err.constData());
        QVERIFY(!QFile::exists(out));
    }

    void benchPrintsEveryFigure() {
        const Run r = evolq({"bench", "--model", m_model, "--calib", m_calib, "--calib-size", "16",
                             "--repeat", "1", "--deit-images", "0", "--quick", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        QJsonParseError err;
        const QJsonObject o = QJsonDocument::fromJson(r.out, &err).object();
        QVERIFY2(err.error == QJsonParseError::NoError, r.out.constData());
        for (const char* key : {"sgemm_gflops", "sgemm_gflops_blas_threads", "sgemm_gflops_engine",
                                "sgemm_skinny_gflops_blas_threads", "sgemm_skinny_gflops_engine",
                                "fitness_flops", "fitness_block0_s", "fitness_block0_gflops",
                                "fitness_block0_pct_sgemm", "search_evals_per_s", "peak_rss_mib"})
            QVERIFY2(o.value(key).toDouble() > 0, key);
        // The percentage is against the larger of the two sgemm rates.
        QCOMPARE(o.value("sgemm_gflops").toDouble(),
                 std::max(o.value("sgemm_gflops_blas_threads").toDouble(),
                          o.value("sgemm_gflops_engine").toDouble()));
        QVERIFY(o.value("fitness_block0_pct_sgemm").toDouble() < 1000);
        // Per image, 2 blocks of 17 tokens, width 48, MLP 96, and a 2-class head:
        // 2 (2 17 (4 48^2 + 2 48 96) + 4 17^2 48) + 2 48 2. The folder has a broken file: 15
        // images.
        const int images = o.value("images").toInt();
        QCOMPARE(images, 15);
        QCOMPARE(o.value("fitness_flops").toDouble(),
                 images * (2 * (2.0 * 17 * (4 * 48 * 48 + 2 * 48 * 96) + 4.0 * 17 * 17 * 48) +
                           2 * 48 * 2));
        const QJsonArray perBlock = o.value("fitness_from_block_s").toArray();
        QCOMPARE(perBlock.size(), 2);
        for (const QJsonValue& t : perBlock) QVERIFY(t.toDouble() > 0);
        QCOMPARE(o.value("search_evaluations").toInt(), 2 * (1 + 3));
        // Skipped: the DeiT-S-shaped model (--deit-images 0) and the scaling table (--quick).
        QVERIFY(!o.contains("deit_s"));
        QVERIFY(!o.contains("scaling"));
    }

    // The bad-input table of docs/reliability.md: each row a command on one bad input. Every one
    // ends with exit status 1 (not a crash), a message naming the file and the problem, and no
    // output file (nor a temporary beside it).
    void badInputTable_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("culprit");
        QTest::addColumn<QString>("problem");
        QTest::addColumn<QString>("out");
        const QString d = m_dir.filePath("bad-input");
        QDir().mkpath(d);
        const QString out = d + "/out.json", csv = d + "/out.csv";
        const QString scales = baselineScales();
        QVERIFY(!scales.isEmpty());
        auto quantize = [&](const QString& model, const QString& calib) {
            return QStringList{"quantize", "--model",       model, "--calib", calib, "--calib-size",
                               "16",       "--calib-batch", "8",   "--out",   out};
        };
        auto info = [](const QString& model) { return QStringList{"info", model}; };

        // Paths.
        const QString missing = d + "/no-such-folder";
        const QString aFile = d + "/a-file.txt";
        writeBytes(aFile, "text");
        QTest::addRow("missing model folder") << info(missing) << missing << "not found"
                                              << "";
        QTest::addRow("file as model folder") << info(aFile) << aFile << "not a folder"
                                              << "";
        QTest::addRow("missing calibration folder")
            << quantize(m_model, missing) << missing << "not found" << out;
        QTest::addRow("file as calibration folder")
            << quantize(m_model, aFile) << aFile << "not a folder" << out;
        QTest::addRow("folder as scale file")
            << QStringList{"eval", "--model", m_model, "--scales", d, "--data", m_val} << d
            << "folder"
            << "";
        QTest::addRow("folder as output file")
            << QStringList{"quantize",     "--model", m_model, "--calib", m_calib,
                           "--calib-size", "16",      "--out", d}
            << d << "cannot write"
            << "";
        for (const char* command : {"predict", "eval", "search", "landscape", "sensitivity"}) {
            QStringList args{command, "--model", missing};
            if (QString(command) == "predict") args << "--images" << m_val;
            if (QString(command) == "eval") args << "--data" << m_val;
            if (QString(command) != "predict" && QString(command) != "eval")
                args << "--calib" << m_calib << "--out" << csv;
            QTest::addRow("missing model folder: %s", command)
                << args << missing << "not found" << csv;
        }
        QTest::addRow("missing IDX source: prepare-fashion-mnist")
            << QStringList{"prepare-fashion-mnist", "--source", missing, "--out", d + "/fmnist"}
            << missing << "missing" << d + "/fmnist/calib";

        // Image folders.
        const QString empty = d + "/empty";
        QDir().mkpath(empty);
        QTest::addRow("empty calibration folder")
            << quantize(m_model, empty) << empty << "no image files" << out;
        const QString texts = d + "/only-text";
        writeBytes(texts + "/a/notes.txt", "not an image");
        QTest::addRow("non-images only")
            << quantize(m_model, texts) << texts << "no image files" << out;
        const QString corruptPng = d + "/corrupt-png";
        writeBytes(corruptPng + "/a/broken.png", "\x89PNG\r\n\x1a\n garbage");
        QTest::addRow("corrupt PNG only") << quantize(m_model, corruptPng) << "broken.png"
                                          << "could be decoded" << out;
        const QByteArray png = readBytes(m_calib + "/class_1/img_000.png");
        QVERIFY(png.size() > 100);
        const QString truncPng = d + "/truncated-png";
        writeBytes(truncPng + "/a/cut.png", png.left(png.size() / 2));
        QTest::addRow("truncated PNG only") << quantize(m_model, truncPng) << "cut.png"
                                            << "could be decoded" << out;
        QImage jpegImage(m_calib + "/class_1/img_000.png");
        QVERIFY(!jpegImage.isNull());
        QByteArray jpeg;
        QBuffer buffer(&jpeg);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(jpegImage.save(&buffer, "JPEG"));
        const QString truncJpeg = d + "/truncated-jpeg";
        writeBytes(truncJpeg + "/a/cut.jpg", jpeg.left(jpeg.size() / 2));
        QTest::addRow("truncated JPEG only") << quantize(m_model, truncJpeg) << "cut.jpg"
                                             << "could be decoded" << out;

        // safetensors.
        auto withWeights = [&](const QString& name, const QByteArray& bytes) {
            const QString m = copyModel(m_model, d + "/" + name);
            writeBytes(m + "/model.safetensors", bytes);
            return m;
        };
        const QByteArray weights = readBytes(m_model + "/model.safetensors");
        QVERIFY(weights.size() > 1000);
        const QByteArray d8(8, '\0');
        struct St {
            const char* row;
            QByteArray bytes;
            const char* problem;
        };
        const St st[] = {
            {"zero-byte safetensors", QByteArray(), "not a valid safetensors file"},
            {"truncated safetensors", weights.left(weights.size() / 2),
             "not a valid safetensors file"},
            {"oversized safetensors header",
             QByteArray::fromHex("0000000000010000") + weights.mid(8, 64),
             "not a valid safetensors file"},
            {"offsets out of range",
             craftSafeTensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", d8),
             "not a valid safetensors file"},
            {"overlapping offsets",
             craftSafeTensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                              d8),
             "not a valid safetensors file"},
            {"unknown dtype",
             craftSafeTensors(R"({"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", d8),
             "not a valid safetensors file"},
        };
        for (const St& c : st) {
            const QString m = withWeights(QString(c.row).replace(' ', '-'), c.bytes);
            QTest::addRow("%s", c.row) << info(m) << m + "/model.safetensors" << c.problem << "";
        }

        // config.json.
        auto withConfig = [&](const QString& name, const QByteArray* bytes) {
            const QString m = copyModel(m_model, d + "/" + name);
            if (bytes)
                writeBytes(m + "/config.json", *bytes);
            else
                QFile::remove(m + "/config.json");
            return m;
        };
        const QString cfg = m_model + "/config.json";
        const QByteArray notJson("{ \"architecture\": ");
        const QByteArray wrongNumber =
            editJson(cfg, [](QJsonObject& o) { o["num_classes"] = "two"; });
        const QByteArray wrongObject = editJson(cfg, [](QJsonObject& o) { o["model_args"] = 4; });
        const QByteArray wrongList = editJson(cfg, [](QJsonObject& o) {
            QJsonObject p = o["pretrained_cfg"].toObject();
            p["mean"] = "grey";
            o["pretrained_cfg"] = p;
        });
        const QByteArray noFields("{}");
        QTest::addRow("config.json missing")
            << info(withConfig("no-config", nullptr)) << "config.json"
            << "not found"
            << "";
        QTest::addRow("config.json not JSON")
            << info(withConfig("config-not-json", &notJson)) << "config.json"
            << "not valid JSON"
            << "";
        QTest::addRow("config.json wrong type: number")
            << info(withConfig("config-wrong-number", &wrongNumber)) << "config.json"
            << "num_classes"
            << "";
        QTest::addRow("config.json wrong type: object")
            << info(withConfig("config-wrong-object", &wrongObject)) << "config.json"
            << "model_args"
            << "";
        QTest::addRow("config.json wrong type: list")
            << info(withConfig("config-wrong-list", &wrongList)) << "config.json"
            << "mean"
            << "";
        QTest::addRow("config.json missing fields")
            << info(withConfig("config-empty", &noFields)) << "config.json"
            << ""
            << "";

        // Tensors.
        const evolq::SafeTensorsFile file =
            evolq::SafeTensorsFile::read(m_model + "/model.safetensors");
        auto rewrite = [&](const QString& name, const QString& drop, const QString& reshape) {
            std::vector<evolq::NamedFloatTensor> ts;
            for (const evolq::TensorEntry& e : file.tensors()) {
                if (e.name == drop) continue;
                evolq::NamedFloatTensor t{e.name, e.shape, file.toFloat(e)};
                if (e.name == reshape) {
                    t.shape = {static_cast<int64_t>(t.values.size())};
                }
                ts.push_back(std::move(t));
            }
            const QString m = copyModel(m_model, d + "/" + name);
            evolq::writeSafeTensors(m + "/model.safetensors", ts);
            return m;
        };
        QTest::addRow("tensor missing")
            << info(rewrite("tensor-missing", "blocks.1.mlp.fc2.bias", "")) << "model.safetensors"
            << "blocks.1.mlp.fc2.bias"
            << "";
        QTest::addRow("tensor of the wrong shape")
            << info(rewrite("tensor-shape", "", "blocks.0.attn.proj.weight")) << "model.safetensors"
            << "blocks.0.attn.proj.weight"
            << "";

        // Scale files.
        auto withScales = [&](const QString& name, const std::function<void(QJsonObject&)>& edit) {
            const QString path = d + "/" + name + ".json";
            writeBytes(path, editJson(scales, edit));
            return QStringList{"eval", "--model", m_model, "--scales", path, "--data", m_val};
        };
        auto firstScales = [](QJsonObject& o, const std::function<void(QJsonArray&)>& edit) {
            QJsonArray qs = o["quantizers"].toArray();
            QJsonObject q = qs[0].toObject();
            QJsonArray sc = q["scales"].toArray();
            edit(sc);
            q["scales"] = sc;
            qs[0] = q;
            o["quantizers"] = qs;
        };
        struct Sc {
            const char* row;
            std::function<void(QJsonObject&)> edit;
            const char* problem;
        };
        const Sc sc[] = {
            {"scale file for another model",
             [](QJsonObject& o) {
                 QJsonObject m = o["model"].toObject();
                 m["sha256"] = QString(64, 'a');
                 o["model"] = m;
             },
             "made for model"},
            {"scale file of another schema version",
             [](QJsonObject& o) { o["schema_version"] = 99; }, "schema_version 99"},
            {"scale file with a wrong length",
             [&](QJsonObject& o) { firstScales(o, [](QJsonArray& a) { a.removeLast(); }); },
             "scales"},
            {"scale file with NaN (null)",
             [&](QJsonObject& o) { firstScales(o, [](QJsonArray& a) { a[0] = QJsonValue(); }); },
             "not a finite positive number"},
            {"scale file with a zero scale",
             [&](QJsonObject& o) { firstScales(o, [](QJsonArray& a) { a[0] = 0.0; }); },
             "not a finite positive number"},
            {"scale file with a negative scale",
             [&](QJsonObject& o) { firstScales(o, [](QJsonArray& a) { a[0] = -0.5; }); },
             "not a finite positive number"},
        };
        for (const Sc& c : sc) {
            const QStringList args = withScales(QString(c.row).replace(' ', '-'), c.edit);
            QTest::addRow("%s", c.row) << args << args[4] << c.problem << "";
        }
        // Infinity is not JSON (Qt writes it as null), and a number that overflows a double is
        // not valid JSON to Qt's parser either (TestScaleFile checks one in the document).
        {
            const QString path = d + "/scale-file-with-inf.json";
            QString text = QString::fromUtf8(readBytes(scales));
            const QRegularExpression first(R"(("scales": \[\s*)[-0-9.eE+]+)");
            QVERIFY(first.match(text).hasMatch());
            text.replace(first.match(text).capturedStart(), first.match(text).capturedLength(),
                         first.match(text).captured(1) + "1e999");
            writeBytes(path, text.toUtf8());
            QTest::addRow("scale file with inf (1e999)")
                << QStringList{"eval", "--model", m_model, "--scales", path, "--data", m_val}
                << path << "not valid JSON"
                << "";
        }

        // Output paths.
        QTest::addRow("output in a missing folder")
            << quantize(m_model, m_calib).replaceInStrings(out, d + "/missing/out.json")
            << d + "/missing/out.json"
            << "cannot write" << d + "/missing/out.json";
        QTest::addRow("output under a file")
            << quantize(m_model, m_calib).replaceInStrings(out, aFile + "/out.json")
            << aFile + "/out.json"
            << "cannot write"
            << "";
        if (QFileInfo("/dev/full").exists())
            QTest::addRow("full disk (/dev/full)")
                << quantize(m_model, m_calib).replaceInStrings(out, "/dev/full") << "/dev/full"
                << "cannot write"
                << "";
        QTest::addRow("landscape CSV to /dev/full")
            << (QStringList{"landscape"} + pipeline() +
                QStringList{"--points", "3", "--subset", "8", "--out", "/dev/full"})
            << "/dev/full"
            << "cannot write"
            << "";
    }

    void badInputTable() {
        QFETCH(QStringList, args);
        QFETCH(QString, culprit);
        QFETCH(QString, problem);
        QFETCH(QString, out);
        const Run r = evolq(args);
        const QString err = QString::fromLocal8Bit(r.err);
        QVERIFY2(r.code == 1, qPrintable(QString("exit %1: %2").arg(r.code).arg(err)));
        // The error line (after any progress lines and decoder warnings) names both.
        QString line;
        for (const QString& l : err.split('\n'))
            if (l.startsWith("error: ")) line = l;
        QVERIFY2(line.contains(culprit), qPrintable(err));
        QVERIFY2(line.contains(problem), qPrintable(err));
        if (!out.isEmpty()) {
            QVERIFY2(!QFileInfo::exists(out), qPrintable(out));
            // Nor a temporary of the atomic writer beside it.
            const QFileInfo o(out);
            if (o.absoluteDir().exists())
                QVERIFY2(o.absoluteDir().entryList({o.fileName() + "*"}, QDir::Files).isEmpty(),
                         qPrintable(o.absolutePath()));
        }
    }

    void pipelineErrorsNameTheirCause() {
        // No --out.
        Run r = evolq(QStringList{"search"} + pipeline());
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("--out"), r.err.constData());
        r = evolq(QStringList{"quantize"} + pipeline());
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("--out"), r.err.constData());
        // A model folder that does not exist.
        const QString missing = m_dir.filePath("no-model-here");
        const QString out = m_dir.filePath("never.json");
        r = evolq({"quantize", "--model", missing, "--calib", m_calib, "--out", out});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(missing.toUtf8()), r.err.constData());
        QVERIFY(!QFile::exists(out));
        // A corrupt scale file.
        const QString corrupt = m_dir.filePath("corrupt.json");
        QFile f(corrupt);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"format\": \"evolq-scales\", \"quantizers\": [");
        f.close();
        r = evolq({"eval", "--model", m_model, "--scales", corrupt, "--data", m_val});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(corrupt.toUtf8()), r.err.constData());
        r = evolq(QStringList{"landscape"} + pipeline() +
                  QStringList{"--direction", "toward:" + corrupt, "--out", out});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains(corrupt.toUtf8()), r.err.constData());
        QVERIFY(!QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "TestCli.moc"
