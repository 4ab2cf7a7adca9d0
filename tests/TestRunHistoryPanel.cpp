#include <QFile>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "AccuracyPlot.h"
#include "FitnessPlot.h"
#include "MessageBanner.h"
#include "QcpInclude.h"
#include "RunHistoryPanel.h"

using namespace evolq;

namespace {

// One session run through the panel's event slots: n evaluations, a visit every two.
void runOnce(RunHistoryPanel& p, int n, double start, unsigned seed) {
    RunStartEvent s;
    s.baselineFitness = start;
    p.beginRun(s, QJsonObject{{"passes", 1}, {"seed", int(seed)}}, "W4A8");
    QVector<FitnessEvent> events;
    for (int i = 1; i <= n; ++i) {
        FitnessEvent e;
        e.evaluation = i;
        e.overallBest = start - 0.1 * i;
        events << e;
    }
    p.addFitness(events);
    for (int v = 0; v < n / 2; ++v) {
        BlockVisitEvent b;
        b.accuracy = 80 + v + seed;
        p.addVisit(b);
    }
    RunEndEvent end;
    end.bestFitness = start - 0.1 * n;
    end.finalTop1 = 90 + seed;
    end.seconds = 3;
    p.finishRun(end);
}

}  // namespace

class TestRunHistoryPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void overlaysTwoRuns() {
        RunHistoryPanel p;
        FitnessPlot fitness;
        AccuracyPlot accuracy;
        connect(&p, &RunHistoryPanel::overlaysChanged, &fitness, &FitnessPlot::setOverlays);
        connect(&p, &RunHistoryPanel::overlaysChanged, &accuracy, &AccuracyPlot::setOverlays);
        runOnce(p, 6, 5, 0);
        runOnce(p, 4, 6, 1);
        QCOMPARE(p.runCount(), 2);
        QCOMPARE(p.table()->rowCount(), 2);
        QCOMPARE(p.table()->item(1, RunHistoryPanel::Seed)->text(), QString("1"));
        QCOMPARE(p.table()->item(1, RunHistoryPanel::Top1)->text(), QString("91.00"));
        // The budget column: the evaluations each run spent.
        QCOMPARE(p.table()->item(0, RunHistoryPanel::Budget)->text(), QString("6"));
        QCOMPARE(p.table()->item(1, RunHistoryPanel::Budget)->text(), QString("4"));
        QSignalSpy spy(&p, &RunHistoryPanel::overlaysChanged);
        p.setChecked(0, true);
        p.setChecked(1, true);
        QCOMPARE(spy.count(), 2);
        QCOMPARE(fitness.overlayCount(), 2);
        QCOMPARE(accuracy.overlayCount(), 2);
        QCOMPARE(fitness.overlayGraph(0)->dataCount(), 6);
        QCOMPARE(fitness.overlayGraph(1)->dataCount(), 4);
        QCOMPARE(accuracy.overlayGraph(0)->dataCount(), 3);
        QCOMPARE(accuracy.overlayGraph(1)->dataCount(), 2);
        QVERIFY(fitness.overlayGraph(0)->name().contains("seed 0"));
        // A new run in the fitness plot keeps the overlays.
        RunStartEvent s;
        s.blocks = 2;
        fitness.start(s);
        QCOMPARE(fitness.overlayCount(), 2);
        p.setChecked(0, false);
        QCOMPARE(fitness.overlayCount(), 1);
        QCOMPARE(fitness.overlayGraph(0)->dataCount(), 4);
    }

    void exportsCsvAndMarkdownWithProvenance() {
        QTemporaryDir dir;
        RunHistoryPanel p;
        p.setProvenance(QJsonObject{{"program", "test"}});
        runOnce(p, 4, 5, 2);
        QString why;
        QVERIFY2(p.exportCsv(dir.filePath("runs.csv"), &why), qPrintable(why));
        QVERIFY2(p.exportMarkdown(dir.filePath("runs.md"), &why), qPrintable(why));
        QFile csv(dir.filePath("runs.csv")), md(dir.filePath("runs.md"));
        QVERIFY(csv.open(QIODevice::ReadOnly) && md.open(QIODevice::ReadOnly));
        const QString c = QString::fromUtf8(csv.readAll()), m = QString::fromUtf8(md.readAll());
        QVERIFY(c.startsWith("# evolq run history {\"program\":\"test\"}"));
        QVERIFY(c.contains("1,this session,Evol-Q,W4A8,P=1,2,"));
        QVERIFY(m.startsWith("<!-- evolq run history"));
        QVERIFY(m.contains("| 1 | this session | Evol-Q | W4A8 | P=1 | 2 |"));
        // A folder that does not exist: an error naming the file, nothing written.
        QVERIFY(!p.exportCsv(dir.filePath("no/such/runs.csv"), &why));
        QVERIFY2(why.contains("runs.csv"), qPrintable(why));
    }

    void aBadFileShowsInTheBanner() {
        QTemporaryDir dir;
        const QString path = dir.filePath("x.csv");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not,a,log\n");
        f.close();
        RunHistoryPanel p;
        QVERIFY(!p.openFile(path));
        QVERIFY(p.banner()->isShowingError());
        QVERIFY(p.banner()->text().contains("x.csv"));
        QCOMPARE(p.runCount(), 0);
    }
};

QTEST_MAIN(TestRunHistoryPanel)
#include "TestRunHistoryPanel.moc"
