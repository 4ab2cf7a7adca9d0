#include <QTemporaryDir>
#include <QtTest>
#include <limits>

#include "FitnessPlot.h"
#include "QcpInclude.h"
#include "types/SearchLog.h"

using namespace evolq;

namespace {

RunStartEvent run(int blocks) {
    RunStartEvent r;
    r.blocks = blocks;
    r.passes = 2;
    r.evaluationsTotal = 2000;
    r.baselineFitness = 1.5;
    r.loss = "infonce";
    return r;
}

FitnessEvent fitness(int evaluation, int block, double child, double best) {
    FitnessEvent e;
    e.evaluation = evaluation;
    e.block = block;
    e.cycle = evaluation % 7;
    e.childFitness = child;
    e.blockBest = best;
    e.overallBest = best;
    return e;
}

QStringList readLines(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
}

}  // namespace

class TestFitnessPlot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startCreatesOneCurvePerBlock() {
        FitnessPlot plot;
        QCOMPARE(plot.blockCount(), 0);
        plot.start(run(4));
        QCOMPARE(plot.blockCount(), 4);
        for (int b = 0; b < 4; ++b) {
            QCOMPARE(plot.pointCount(b), 0);
            QVERIFY(plot.bestGraph(b));
            QVERIFY(plot.childGraph(b));
            QVERIFY(plot.bestGraph(b) != plot.childGraph(b));
            // Live curves: 1 px, no antialiasing; children as dots only.
            QCOMPARE(plot.bestGraph(b)->pen().widthF(), 1.0);
            QVERIFY(!plot.bestGraph(b)->antialiased());
            QCOMPARE(plot.childGraph(b)->lineStyle(), QCPGraph::lsNone);
            QVERIFY(!plot.childGraph(b)->scatterStyle().isNone());
        }
        QCOMPARE(plot.pointCount(-1), 0);
        QCOMPARE(plot.pointCount(4), 0);
        QVERIFY(!plot.bestGraph(4));
        // Legend: one entry per block plus the overall best, no entries for the dots.
        QCOMPARE(plot.plot()->legend->itemCount(), 5);
    }

    void holdsThePointsOfEachBlock() {
        FitnessPlot plot;
        plot.start(run(3));
        QVector<FitnessEvent> batch;
        int evaluation = 0;
        for (int i = 0; i < 5; ++i) batch.append(fitness(++evaluation, 0, 2.0 - i * 0.1, 1.4));
        for (int i = 0; i < 3; ++i) batch.append(fitness(++evaluation, 2, 1.6 + i, 1.3));
        plot.addFitness(batch);
        QCOMPARE(plot.pointCount(0), 5);
        QCOMPARE(plot.pointCount(1), 0);
        QCOMPARE(plot.pointCount(2), 3);
        QCOMPARE(plot.bestPointCount(2), 3);

        // A second batch appends in order.
        plot.addFitness({fitness(++evaluation, 0, 1.0, 1.0), fitness(++evaluation, 1, 1.2, 1.2)});
        QCOMPARE(plot.pointCount(0), 6);
        QCOMPARE(plot.pointCount(1), 1);
        const auto children = plot.childGraph(0)->data();
        QCOMPARE(children->at(0)->key, 1.0);
        QCOMPARE(children->at(0)->value, 2.0);
        QCOMPARE(children->at(5)->key, 9.0);
        QCOMPARE(children->at(5)->value, 1.0);
        QCOMPARE(plot.bestGraph(0)->data()->at(5)->value, 1.0);
        QCOMPARE(plot.overallGraph()->dataCount(), 10);
    }

    void ignoresUnknownBlocks() {
        FitnessPlot plot;
        plot.addFitness({fitness(1, 0, 1, 1)});  // before start
        QCOMPARE(plot.pointCount(0), 0);
        plot.start(run(2));
        plot.addFitness({fitness(1, 5, 1, 1), fitness(2, -1, 1, 1), fitness(3, 1, 1, 1)});
        QCOMPARE(plot.pointCount(0), 0);
        QCOMPARE(plot.pointCount(1), 1);
    }

    void restartClears() {
        FitnessPlot plot;
        plot.start(run(3));
        plot.addFitness({fitness(1, 0, 1, 1), fitness(2, 1, 1, 1)});
        plot.setHighlightedBlock(1);
        plot.start(run(2));
        QCOMPARE(plot.blockCount(), 2);
        QCOMPARE(plot.pointCount(0), 0);
        QCOMPARE(plot.pointCount(1), 0);
        QCOMPARE(plot.highlightedBlock(), -1);
        QCOMPARE(plot.plot()->graphCount(), 2 * 2 + 1);
    }

    void coalescesReplots() {
        FitnessPlot plot;
        plot.start(run(4));
        plot.flushReplot();
        const int before = plot.replotCount();
        for (int i = 1; i <= 1000; ++i) plot.addFitness({fitness(i, i % 4, 1.0 + i * 1e-3, 1.0)});
        QTest::qWait(100);
        const int replots = plot.replotCount() - before;
        QVERIFY2(replots >= 1 && replots <= 4, qPrintable(QString::number(replots)));
        int total = 0;
        for (int b = 0; b < 4; ++b) total += plot.pointCount(b);
        QCOMPARE(total, 1000);
    }

    void followsTheRun() {
        FitnessPlot plot;
        plot.start(run(2));
        plot.addFitness({fitness(1, 0, 3.0, 3.0), fitness(2, 1, 0.5, 0.5)});
        plot.flushReplot();
        // The x axis spans the planned run; y covers the data and the baseline.
        QCOMPARE(plot.plot()->xAxis->range().upper, 2000.0);
        QVERIFY(plot.plot()->yAxis->range().contains(3.0));
        QVERIFY(plot.plot()->yAxis->range().contains(0.5));
        QVERIFY(plot.plot()->yAxis->range().contains(1.5));
    }

    void highlightsABlock() {
        FitnessPlot plot;
        plot.start(run(3));
        QSignalSpy changed(&plot, &FitnessPlot::highlightedBlockChanged);
        plot.setHighlightedBlock(2);
        QCOMPARE(plot.highlightedBlock(), 2);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.last().at(0).toInt(), 2);
        QVERIFY(plot.bestGraph(2)->pen().widthF() > plot.bestGraph(0)->pen().widthF());
        QVERIFY(plot.bestGraph(2)->layer() != plot.bestGraph(0)->layer());
        plot.setHighlightedBlock(2);  // no change, no signal
        QCOMPARE(changed.count(), 1);
        plot.setHighlightedBlock(42);  // unknown: none
        QCOMPARE(plot.highlightedBlock(), -1);
        QCOMPARE(plot.bestGraph(2)->pen().widthF(), 1.0);
    }

    void legendClickHighlights() {
        FitnessPlot plot;
        plot.resize(800, 500);
        plot.start(run(3));
        plot.addFitness({fitness(1, 0, 1, 1), fitness(2, 1, 2, 2), fitness(3, 2, 3, 3)});
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.flushReplot();
        plot.plot()->replot();
        QCPAbstractLegendItem* item = plot.plot()->legend->item(1);  // "block 1"
        QVERIFY(item);
        const QPoint centre = item->rect().center();
        QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, centre);
        QCOMPARE(plot.highlightedBlock(), 1);
        QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, centre);
        QCOMPARE(plot.highlightedBlock(), -1);
    }

    void savesOneCsvRowPerEvaluation() {
        FitnessPlot plot;
        plot.start(run(2));
        plot.addFitness(
            {fitness(1, 0, 1.25, 1.25), fitness(2, 1, 2.5, 2.5), fitness(3, 0, 1.0, 1.0)});
        QTemporaryDir dir;
        const QString path = dir.filePath("fitness.csv");
        QString error;
        QVERIFY2(plot.saveCsv(path, &error), qPrintable(error));
        const QStringList lines = readLines(path);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0],
                 QString("event,evaluation,pass,block,cycle,fitness,block_best,overall_best,top1,"
                         "elapsed_s,visit,i,j,a,b,parent_a,parent_b,role,detail"));
        // event, evaluation, pass, block, cycle, fitness, block best, overall best, top1, elapsed;
        // the live landscape's columns are empty on a fitness row.
        QCOMPARE(lines[1], QString("fitness,1,0,0,1,1.25,1.25,1.25,,0,,,,,,,,,"));
        QCOMPARE(lines[2], QString("fitness,2,0,1,2,2.5,2.5,2.5,,0,,,,,,,,,"));
        QCOMPARE(lines[3], QString("fitness,3,0,0,3,1,1,1,,0,,,,,,,,,"));
        QVERIFY(plot.savePlot(dir.filePath("fitness.png"), &error));
    }

    // Save data writes the search log that `evolq search --log` writes, and it reads back exactly.
    void savesTheSearchLogFormat() {
        FitnessPlot plot;
        plot.start(run(3));
        FitnessEvent e;
        e.evaluation = 17;
        e.pass = 1;
        e.block = 2;
        e.cycle = -1;  // the block's starting genome
        e.childFitness = 1.0 / 3.0;
        e.blockBest = 0.1;
        e.overallBest = 2.0 / 7.0;
        e.elapsed = 12.345678901234567;
        FitnessEvent missing = e;
        missing.evaluation = 18;
        missing.cycle = 0;
        missing.childFitness = std::numeric_limits<double>::quiet_NaN();
        plot.addFitness({e, missing});
        QTemporaryDir dir;
        const QString path = dir.filePath("log.csv");
        QString error;
        QVERIFY2(plot.saveCsv(path, &error), qPrintable(error));
        const QStringList lines = readLines(path);
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0], SearchLog::columns());
        QCOMPARE(lines[1] + '\n', SearchLog::row(e));

        const QStringList columns = SearchLog::columns().split(',');
        const QStringList fields = lines[1].split(',');
        QCOMPARE(fields.size(), columns.size());
        const auto field = [&](const char* name) { return fields.value(columns.indexOf(name)); };
        QCOMPARE(field("event"), QString("fitness"));
        QCOMPARE(field("evaluation").toInt(), e.evaluation);
        QCOMPARE(field("pass").toInt(), e.pass);
        QCOMPARE(field("block").toInt(), e.block);
        QCOMPARE(field("cycle").toInt(), e.cycle);
        // 17 significant digits: every double comes back bit for bit.
        QCOMPARE(field("fitness").toDouble(), e.childFitness);
        QCOMPARE(field("block_best").toDouble(), e.blockBest);
        QCOMPARE(field("overall_best").toDouble(), e.overallBest);
        QCOMPARE(field("elapsed_s").toDouble(), e.elapsed);
        QVERIFY(field("top1").isEmpty());  // not applicable to one child

        // NaN is an empty field.
        const QStringList nanFields = lines[2].split(',');
        QCOMPARE(nanFields.value(columns.indexOf("evaluation")), QString("18"));
        QVERIFY(nanFields.value(columns.indexOf("fitness")).isEmpty());
        QCOMPARE(nanFields.value(columns.indexOf("block_best")).toDouble(), e.blockBest);
    }
};

QTEST_MAIN(TestFitnessPlot)
#include "TestFitnessPlot.moc"
