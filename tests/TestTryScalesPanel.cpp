#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QtTest>

#include "TryScalesPanel.h"

using namespace evolq;

class TestTryScalesPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pickTryAndUndo() {
        TryScalesPanel p;
        QVERIFY(!p.tryButton()->isEnabled());
        QVERIFY(!p.undoButton()->isEnabled());
        LandscapeStart s;
        s.dims = 2;
        s.radius = 2;
        s.block = 3;
        p.setLandscape(s);
        QVERIFY(!p.tryButton()->isEnabled());  // no point yet
        p.setPoint(1, -0.5);
        QVERIFY(p.tryButton()->isEnabled());
        // The slider follows the picked point.
        QCOMPARE(p.scrubber()->value(), p.sliderValue(1));
        QCOMPARE(p.sliderCoordinate(p.scrubber()->value()), 1.0);
        QSignalSpy tryReq(&p, &TryScalesPanel::tryRequested);
        p.tryButton()->click();
        QCOMPARE(tryReq.count(), 1);
        QCOMPARE(tryReq.at(0).at(0).toDouble(), 1.0);
        QCOMPARE(tryReq.at(0).at(1).toDouble(), -0.5);

        TryResult r;
        r.a = 1;
        r.b = -0.5;
        r.block = 3;
        r.losses = {"mse"};
        r.values = {0.25};
        r.valImages = 4;
        r.top1 = 75;
        r.fp32Top1 = 100;
        r.classes = {"cat", "dog"};
        for (int i = 0; i < 4; ++i) {
            SamplePrediction sp;
            sp.label = i % 2;
            sp.fp32 = i % 2;
            sp.quantized = i == 2 ? 1 : i % 2;
            r.samples << sp;
        }
        p.setResult(r);
        QCOMPARE(p.sampleCount(), 4);
        QCOMPARE(p.changedCount(), 1);
        QVERIFY(p.sampleText(2).contains("FP32 cat") && p.sampleText(2).contains("quantized dog"));
        QVERIFY(p.sampleText(2).contains("changed"));
        QVERIFY(!p.sampleText(1).contains("changed"));
        QVERIFY(p.resultText().contains("75.00 %"));
        QVERIFY(p.resultText().contains("mse 0.25"));
        QVERIFY(p.undoButton()->isEnabled());
        QSignalSpy undo(&p, &TryScalesPanel::undoRequested);
        p.undoButton()->click();
        QCOMPARE(undo.count(), 1);
        p.setUndone();
        QCOMPARE(p.sampleCount(), 0);
        QVERIFY(!p.undoButton()->isEnabled());

        // Scrubbing asks for each position along a, at the picked b.
        p.scrubber()->setValue(p.sliderValue(-2));
        QCOMPARE(tryReq.last().at(0).toDouble(), -2.0);
        QCOMPARE(tryReq.last().at(1).toDouble(), -0.5);
        // While a search runs nothing is tried.
        p.setWorkerState(WorkerState::Searching);
        QVERIFY(!p.tryButton()->isEnabled());
        QVERIFY(!p.scrubber()->isEnabled());
    }
};

QTEST_MAIN(TestTryScalesPanel)
#include "TestTryScalesPanel.moc"
