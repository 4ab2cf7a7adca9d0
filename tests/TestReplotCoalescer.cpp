#include <QtTest>

#include "QcpInclude.h"
#include "ReplotCoalescer.h"

using namespace evolq;

class TestReplotCoalescer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void burstGivesOneReplot() {
        QCustomPlot plot;
        ReplotCoalescer coalescer(&plot);
        QSignalSpy about(&coalescer, &ReplotCoalescer::aboutToReplot);
        for (int i = 0; i < 1000; ++i) coalescer.request();
        QCOMPARE(coalescer.replotCount(), 0);  // nothing happens synchronously
        QVERIFY(coalescer.isPending());
        // One replot comes (however late a loaded machine runs the timer), and no second one.
        QTRY_COMPARE(coalescer.replotCount(), 1);
        QVERIFY(!coalescer.isPending());
        QTest::qWait(100);
        QCOMPARE(coalescer.replotCount(), 1);
        QCOMPARE(about.count(), 1);
    }

    void queuedReplotReachesThePlot() {
        QCustomPlot plot;
        ReplotCoalescer coalescer(&plot);
        QTest::qWait(20);  // lets the plot's own initial replot pass
        QSignalSpy after(&plot, &QCustomPlot::afterReplot);
        coalescer.request();
        coalescer.request();
        QTRY_COMPARE(after.count(), 1);
        QTest::qWait(60);
        QCOMPARE(after.count(), 1);
    }

    void steadyStreamIsRateLimited() {
        QCustomPlot plot;
        ReplotCoalescer coalescer(&plot);
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 400) {
            coalescer.request();
            QTest::qWait(2);
        }
        QTest::qWait(60);
        const int maxReplots = int(clock.elapsed() / ReplotCoalescer::DefaultIntervalMs) + 2;
        QVERIFY2(coalescer.replotCount() <= maxReplots,
                 qPrintable(QString::number(coalescer.replotCount())));
        // A stream of requests must not starve the plot (no debouncing).
        QVERIFY2(coalescer.replotCount() >= 3,
                 qPrintable(QString::number(coalescer.replotCount())));
    }

    void flushReplotsOnlyWhenPending() {
        QCustomPlot plot;
        ReplotCoalescer coalescer(&plot);
        coalescer.flush();
        QCOMPARE(coalescer.replotCount(), 0);
        coalescer.request();
        coalescer.flush();
        QCOMPARE(coalescer.replotCount(), 1);
        QVERIFY(!coalescer.isPending());
        QTest::qWait(60);
        QCOMPARE(coalescer.replotCount(), 1);
    }

    void intervalIsAdjustable() {
        QCustomPlot plot;
        ReplotCoalescer coalescer(&plot);
        QCOMPARE(coalescer.interval(), ReplotCoalescer::DefaultIntervalMs);
        coalescer.setInterval(300);
        coalescer.request();
        QTest::qWait(100);
        QCOMPARE(coalescer.replotCount(), 0);
        QTRY_COMPARE(coalescer.replotCount(), 1);
    }
};

QTEST_MAIN(TestReplotCoalescer)
#include "TestReplotCoalescer.moc"
