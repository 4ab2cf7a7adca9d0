#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "QcpInclude.h"
#include "ScaleChangeMap.h"

using namespace evolq;

class TestScaleChangeMap : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void holdsRaggedRows() {
        ScaleChangeMap map;
        map.setChanges({{0.1, -0.2, 0.0}, {0.5}, {}});
        QCOMPARE(map.blockCount(), 3);
        QCOMPARE(map.channelCount(), 3);
        QCOMPARE(map.valueAt(0, 1), -0.2);
        QCOMPARE(map.valueAt(1, 0), 0.5);
        QVERIFY(std::isnan(map.valueAt(1, 1)));  // padding
        QVERIFY(std::isnan(map.valueAt(2, 0)));
        QVERIFY(std::isnan(map.valueAt(3, 0)));
        QVERIFY(std::isnan(map.valueAt(0, -1)));

        QCPColorMapData* data = map.colorMap()->data();
        QCOMPARE(data->keySize(), 3);
        QCOMPARE(data->valueSize(), 3);
        QCOMPARE(data->cell(1, 0), -0.2);  // key = channel, value = block
        QCOMPARE(data->cell(0, 1), 0.5);
        QVERIFY(std::isnan(data->cell(2, 1)));
    }

    void colourScaleIsCentredAtZero() {
        ScaleChangeMap map;
        map.setChanges({{0.1, -0.4}, {0.25, std::nan("")}});
        QCOMPARE(map.maxAbsChange(), 0.4);
        QCOMPARE(map.colorMap()->dataRange(), QCPRange(-0.4, 0.4));
        // Zero maps to the middle of the gradient, which is white.
        QCPColorGradient gradient = map.colorMap()->gradient();  // color() is not const
        QCOMPARE(gradient.color(0.0, QCPRange(-0.4, 0.4)), QColor(Qt::white).rgb());
        QVERIFY(gradient.color(-0.4, QCPRange(-0.4, 0.4)) !=
                gradient.color(0.4, QCPRange(-0.4, 0.4)));
        QCOMPARE(gradient.nanHandling(), QCPColorGradient::nhTransparent);

        map.setChanges({{0.0, 0.0}});  // all unchanged: still a valid, symmetric range
        const QCPRange range = map.colorMap()->dataRange();
        QVERIFY(range.size() > 0);
        QCOMPARE(range.lower, -range.upper);
    }

    void axesFitTheGrid() {
        ScaleChangeMap map;
        QVector<QVector<double>> rows(12, QVector<double>(192, 0.01));
        map.setChanges(rows);
        map.flushReplot();
        QCOMPARE(map.plot()->xAxis->range(), QCPRange(-0.5, 191.5));
        QCOMPARE(map.plot()->yAxis->range(), QCPRange(-0.5, 11.5));
        map.clear();
        QCOMPARE(map.blockCount(), 0);
        QVERIFY(std::isnan(map.valueAt(0, 0)));
    }

    void savesOneRowPerScale() {
        ScaleChangeMap map;
        map.setChanges({{0.1, -0.2, 0.0}, {0.5}});
        QTemporaryDir dir;
        const QString path = dir.filePath("changes.csv");
        QString error;
        QVERIFY2(map.saveCsv(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        // 17 significant digits, so that every value reads back exactly.
        QCOMPARE(lines, QStringList({"block,channel,relative_change", "0,0,0.10000000000000001",
                                     "0,1,-0.20000000000000001", "0,2,0", "1,0,0.5"}));
        QCOMPARE(lines[1].section(',', 2).toDouble(), 0.1);
        QCOMPARE(lines[2].section(',', 2).toDouble(), -0.2);
        QVERIFY2(map.savePlot(dir.filePath("changes.png"), &error), qPrintable(error));
    }
};

QTEST_MAIN(TestScaleChangeMap)
#include "TestScaleChangeMap.moc"
