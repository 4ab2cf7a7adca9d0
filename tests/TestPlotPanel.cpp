#include <QAction>
#include <QTemporaryDir>
#include <QtTest>

#include "MessageBanner.h"
#include "PlotPanel.h"
#include "QcpInclude.h"

using namespace evolq;

namespace {

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void addSine(PlotPanel& panel, const QString& name) {
    QCPGraph* graph = panel.plot()->addGraph();
    graph->setName(name);
    QVector<double> keys, values;
    for (int i = 0; i < 50; ++i) {
        keys.append(i);
        values.append(std::sin(i / 5.0));
    }
    graph->setData(keys, values, true);
}

}  // namespace

class TestPlotPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // An empty plot says what will appear instead of showing empty axes; data hides the text.
    void emptyTextUntilThereIsData() {
        PlotPanel panel;
        panel.resize(400, 300);
        panel.show();
        QVERIFY(!panel.isShowingEmptyText());  // no text set: nothing to show
        panel.setEmptyText("Press Start");
        QVERIFY(panel.isShowingEmptyText());
        auto* label = panel.findChild<QLabel*>("emptyText");
        QVERIFY(label);
        QCOMPARE(label->text(), QString("Press Start"));
        QCOMPARE(label->geometry(), panel.plot()->rect());
        QCPGraph* graph = panel.plot()->addGraph();
        panel.requestReplot();
        panel.flushReplot();
        QVERIFY(panel.isShowingEmptyText());  // a graph without points is still empty
        graph->addData(1, 2);
        panel.requestReplot();
        panel.flushReplot();
        QVERIFY(!panel.isShowingEmptyText());
        graph->data()->clear();
        panel.requestReplot();
        panel.flushReplot();
        QVERIFY(panel.isShowingEmptyText());
    }

    void savesImages_data() {
        QTest::addColumn<QString>("suffix");
        QTest::addColumn<QByteArray>("magic");
        QTest::addColumn<QByteArray>("altMagic");
        QTest::addRow("png") << "png" << QByteArray("\x89PNG", 4) << QByteArray();
        QTest::addRow("PNG upper case") << "PNG" << QByteArray("\x89PNG", 4) << QByteArray();
        QTest::addRow("svg") << "svg" << QByteArray("<?xml") << QByteArray("<svg");
        QTest::addRow("pdf") << "pdf" << QByteArray("%PDF") << QByteArray();
    }

    void savesImages() {
        QFETCH(QString, suffix);
        QFETCH(QByteArray, magic);
        QFETCH(QByteArray, altMagic);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        PlotPanel panel;
        addSine(panel, "sine");
        const QString path = dir.filePath("plot." + suffix);
        QString error;
        QVERIFY2(panel.savePlot(path, &error), qPrintable(error));
        QVERIFY(error.isEmpty());
        const QByteArray bytes = readAll(path);
        QVERIFY(bytes.size() > 200);
        QVERIFY2(bytes.startsWith(magic) || (!altMagic.isEmpty() && bytes.startsWith(altMagic)),
                 bytes.left(16).toHex().constData());
        // Only the target is left behind: no temporary files.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);
    }

    void pngHasTheExportSize() {
        QTemporaryDir dir;
        PlotPanel panel;
        addSine(panel, "sine");
        panel.setExportSize(QSize(321, 123));
        const QString path = dir.filePath("sized.png");
        QVERIFY(panel.savePlot(path));
        QCOMPARE(QImage(path).size(), QSize(321, 123));
    }

    void svgContainsTheAxisLabel() {
        QTemporaryDir dir;
        PlotPanel panel;
        addSine(panel, "sine");
        panel.plot()->xAxis->setLabel("evaluation index");
        const QString path = dir.filePath("labels.svg");
        QVERIFY(panel.savePlot(path));
        QVERIFY(readAll(path).contains("evaluation index"));
    }

    void rejectsUnknownFormat() {
        QTemporaryDir dir;
        PlotPanel panel;
        const QString path = dir.filePath("plot.bmp");
        QString error;
        QVERIFY(!panel.savePlot(path, &error));
        QVERIFY2(error.contains(path) && error.contains("bmp"), qPrintable(error));
        QVERIFY(!QFile::exists(path));
        QVERIFY(!panel.savePlot(dir.filePath("no-suffix"), &error));
    }

    void reportsUnwritablePath() {
        QTemporaryDir dir;
        PlotPanel panel;
        addSine(panel, "sine");
        const QString path = dir.filePath("missing/sub/plot.png");
        QString error;
        QVERIFY(!panel.savePlot(path, &error));
        QVERIFY2(error.contains(path), qPrintable(error));
        QVERIFY(!panel.saveCsv(dir.filePath("missing/data.csv"), &error));
        QVERIFY2(error.contains("data.csv"), qPrintable(error));
        QVERIFY(!QFile::exists(dir.filePath("missing")));
    }

    void overwritesExistingFiles() {
        QTemporaryDir dir;
        const QString path = dir.filePath("plot.png");
        {
            QFile old(path);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("old content");
        }
        PlotPanel panel;
        addSine(panel, "sine");
        QVERIFY(panel.savePlot(path));
        QVERIFY(readAll(path).startsWith("\x89PNG"));
    }

    void savesGraphsAsCsv() {
        QTemporaryDir dir;
        PlotPanel panel;
        addSine(panel, "sine");
        addSine(panel, "with, comma");
        const QString path = dir.filePath("data.csv");
        QString error;
        QVERIFY2(panel.saveCsv(path, &error), qPrintable(error));
        const QStringList lines = QString::fromUtf8(readAll(path)).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 2 * 50);
        QCOMPARE(lines.first(), QString("graph,key,value"));
        QCOMPARE(lines.at(1), QString("sine,0,0"));
        // 17 significant digits: the values read back exactly.
        QVERIFY(lines.at(2).startsWith("sine,1,"));
        QCOMPARE(lines.at(2).section(',', 2).toDouble(), std::sin(1 / 5.0));
        QVERIFY(lines.last().startsWith("\"with, comma\",49,"));
        QCOMPARE(lines.last().section(',', 3).toDouble(), std::sin(49 / 5.0));
    }

    void coalescesReplots() {
        PlotPanel panel;
        for (int i = 0; i < 1000; ++i) panel.requestReplot();
        QTest::qWait(100);
        QCOMPARE(panel.replotCount(), 1);
    }

    void followsDataUntilTheUserTakesOver() {
        PlotPanel panel;
        addSine(panel, "sine");
        panel.requestReplot();
        panel.flushReplot();
        QCOMPARE(panel.plot()->xAxis->range().upper, 49.0);

        panel.setFollowingData(false);
        panel.plot()->graph(0)->addData(100, 0);
        panel.requestReplot();
        panel.flushReplot();
        QCOMPARE(panel.plot()->xAxis->range().upper, 49.0);

        panel.setFollowingData(true);
        panel.flushReplot();
        QCOMPARE(panel.plot()->xAxis->range().upper, 100.0);
    }

    void offersSaveActions() {
        PlotPanel panel;
        QCOMPARE(panel.saveImageAction()->text(), QString("Save image..."));
        QCOMPARE(panel.saveDataAction()->text(), QString("Save data..."));
        QVERIFY(panel.plot()->contextMenuPolicy() == Qt::CustomContextMenu);
        QVERIFY(!panel.banner()->isShowing());
    }
};

QTEST_MAIN(TestPlotPanel)
#include "TestPlotPanel.moc"
