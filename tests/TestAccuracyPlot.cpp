#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "AccuracyPlot.h"
#include "QcpInclude.h"

using namespace evolq;

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

RunStartEvent run(double fp32, double baseline) {
    RunStartEvent r;
    r.blocks = 3;
    r.passes = 2;
    r.fp32Top1 = fp32;
    r.baselineTop1 = baseline;
    return r;
}

BlockVisitEvent visit(int pass, int block, double accuracy) {
    BlockVisitEvent v;
    v.pass = pass;
    v.block = block;
    v.accuracy = accuracy;
    return v;
}

int visibleLines(const AccuracyPlot& plot) {
    int n = 0;
    for (int i = 0; i < plot.plot()->itemCount(); ++i) {
        auto* line = qobject_cast<QCPItemStraightLine*>(plot.plot()->item(i));
        if (line && line->visible()) ++n;
    }
    return n;
}

}  // namespace

class TestAccuracyPlot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void plotsMeasuredVisits() {
        AccuracyPlot plot;
        plot.start(run(91.5, 88.25));
        QCOMPARE(plot.accuracyPointCount(), 0);
        plot.addVisit(visit(0, 0, 88.5));
        plot.addVisit(visit(0, 1, NaN));  // validation skipped: ignored, but still a visit
        plot.addVisit(visit(0, 2, 89.0));
        QCOMPARE(plot.accuracyPointCount(), 2);
        const auto data = plot.accuracyGraph()->data();
        QCOMPARE(data->at(0)->key, 1.0);
        QCOMPARE(data->at(1)->key, 3.0);
        QCOMPARE(data->at(1)->value, 89.0);
        QVERIFY(!plot.accuracyGraph()->scatterStyle().isNone());
    }

    // A final figure next to the baseline's: the two labels do not print over each other.
    void finalLabelClearsTheBaselineLabel() {
        AccuracyPlot plot;
        plot.resize(800, 400);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        QVERIFY(plot.plot()->width() > 600);
        plot.start(run(88.40, 85.60));
        plot.addVisit(visit(0, 0, 86.0));
        RunEndEvent end;
        end.finalTop1 = 85.55;
        plot.setFinal(end);
        plot.plot()->replot();
        QVector<QRectF> labels;
        for (int i = 0; i < plot.plot()->itemCount(); ++i) {
            auto* text = qobject_cast<QCPItemText*>(plot.plot()->item(i));
            if (!text || !text->visible() || text->text().startsWith("FP32")) continue;
            const QPointF at = text->position->pixelPosition();
            const QFontMetricsF fm(text->font());
            const QRectF box = fm.boundingRect(text->text());
            // The rectangle the label occupies, from its anchor and alignment.
            const double left =
                text->positionAlignment() & Qt::AlignRight ? at.x() - box.width() : at.x();
            labels.append(QRectF(left, at.y() - box.height(), box.width(), box.height()));
        }
        QCOMPARE(labels.size(), 2);
        QVERIFY2(!labels[0].intersects(labels[1]), "the baseline and final labels overlap");
    }

    void drawsReferences() {
        AccuracyPlot plot;
        plot.start(run(91.5, 88.25));
        QCOMPARE(plot.fp32Top1(), 91.5);
        QCOMPARE(plot.baselineTop1(), 88.25);
        QCOMPARE(visibleLines(plot), 2);
        plot.addVisit(visit(0, 0, 89.0));
        plot.flushReplot();
        const QCPRange y = plot.plot()->yAxis->range();
        QVERIFY(y.contains(91.5) && y.contains(88.25) && y.contains(89.0));

        RunEndEvent end;
        end.finalTop1 = 90.0;
        plot.setFinal(end);
        QCOMPARE(plot.finalTop1(), 90.0);
        QCOMPARE(visibleLines(plot), 3);

        // Unmeasured references are not drawn; a new run forgets the final line.
        plot.start(run(NaN, 70.0));
        QCOMPARE(visibleLines(plot), 1);
        QVERIFY(std::isnan(plot.finalTop1()));
        QCOMPARE(plot.accuracyPointCount(), 0);
    }

    void savesCsv() {
        AccuracyPlot plot;
        plot.start(run(91.5, 88.25));
        plot.addVisit(visit(0, 0, 88.5));
        plot.addVisit(visit(1, 2, 89.0));
        RunEndEvent end;
        end.finalTop1 = 90.0;
        plot.setFinal(end);
        QTemporaryDir dir;
        const QString path = dir.filePath("accuracy.csv");
        QString error;
        QVERIFY2(plot.saveCsv(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines, QStringList({"series,visit,pass,block,top1_percent", "fp32,,,,91.5",
                                     "baseline,,,,88.25", "visit,1,0,0,88.5", "visit,2,1,2,89",
                                     "final,,,,90"}));
        QVERIFY(plot.savePlot(dir.filePath("accuracy.pdf"), &error));
    }
};

QTEST_MAIN(TestAccuracyPlot)
#include "TestAccuracyPlot.moc"
