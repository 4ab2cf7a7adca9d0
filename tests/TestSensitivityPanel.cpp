#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "SensitivityPanel.h"
#include "SensitivityPlot.h"

using namespace evolq;

namespace {

SensitivityResult sample() {
    SensitivityResult r;
    r.loss = "mse";
    r.images = 16;
    auto row = [](const QString& name, bool weight, int block, double loss, double sqnr) {
        SensitivityRow x;
        x.name = name;
        x.weight = weight;
        x.block = block;
        x.bits = weight ? 4 : 8;
        x.lossIncrease = loss;
        x.sqnrDb = sqnr;
        return x;
    };
    r.rows = {row("patch_embed.proj.weight", true, -1, 0.02, 20),
              row("blocks.0.attn.qkv.weight", true, 0, 0.5, 12),
              row("blocks.0.norm1.out", false, 0, 0.001, 35),
              row("blocks.1.mlp.fc2.weight", true, 1, 0.1, 15),
              row("head.weight", true, 2, std::numeric_limits<double>::quiet_NaN(), 18)};
    return r;
}

}  // namespace

class TestSensitivityPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tableSortsAndTheChartFollows() {
        SensitivityPanel p;
        p.setResult(sample(), QJsonObject{{"program", "test"}});
        QTableWidget* t = p.table();
        QCOMPARE(t->rowCount(), 5);
        // Most sensitive first; the unmeasured one last.
        QCOMPARE(p.rowOrder().first(), QString("blocks.0.attn.qkv.weight"));
        QCOMPARE(p.rowOrder().last(), QString("head.weight"));
        QCOMPARE(p.chart()->order(), p.rowOrder());
        QCOMPARE(p.chart()->barCount(), 4);
        // By SQNR ascending: the noisiest first.
        t->sortByColumn(SensitivityPanel::Sqnr, Qt::AscendingOrder);
        QCOMPARE(p.rowOrder().first(), QString("blocks.0.attn.qkv.weight"));
        QCOMPARE(p.rowOrder()[1], QString("blocks.1.mlp.fc2.weight"));
        QCOMPARE(p.chart()->order(), p.rowOrder());
        // By name.
        t->sortByColumn(SensitivityPanel::Name, Qt::AscendingOrder);
        QCOMPARE(p.rowOrder().first(), QString("blocks.0.attn.qkv.weight"));
        QCOMPARE(p.rowOrder().last(), QString("patch_embed.proj.weight"));
        QCOMPARE(t->item(t->rowCount() - 1, SensitivityPanel::Block)->text(), QString("embed"));
    }

    void selectingARowNamesTheQuantizerAndBlock() {
        SensitivityPanel p;
        p.setResult(sample(), {});
        QSignalSpy spy(&p, &SensitivityPanel::quantizerSelected);
        p.selectQuantizer("blocks.1.mlp.fc2.weight");
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QString("blocks.1.mlp.fc2.weight"));
        QCOMPARE(spy.at(0).at(1).toInt(), 1);
        // A bar click selects the same way.
        Q_EMIT p.chart()->barClicked("blocks.0.norm1.out");
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.at(1).at(1).toInt(), 0);
    }

    void csvHoldsEveryRowAndTheProvenance() {
        QTemporaryDir dir;
        SensitivityPanel p;
        p.setResult(sample(), QJsonObject{{"program", "test"}});
        const QString path = dir.filePath("s.csv");
        QString why;
        QVERIFY2(p.chart()->saveCsv(path, &why), qPrintable(why));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 7);
        QVERIFY(lines[0].startsWith("# evolq sensitivity {\"program\":\"test\"}"));
        QCOMPARE(lines[1], QString("quantizer,kind,block,bits,loss_increase,sqnr_db"));
        QCOMPARE(lines[3], QString("blocks.0.attn.qkv.weight,weight,0,4,0.5,12"));
        QCOMPARE(lines[6], QString("head.weight,weight,2,4,,18"));
    }

    void runNeedsAQuantizedIdleModel() {
        SensitivityPanel p;
        QVERIFY(!p.runButton()->isEnabled());
        p.setReady(true);
        p.setWorkerState(WorkerState::Idle);
        QVERIFY(p.runButton()->isEnabled());
        p.setWorkerState(WorkerState::Searching);
        QVERIFY(!p.runButton()->isEnabled());
        p.setWorkerState(WorkerState::Idle);
        QSignalSpy spy(&p, &SensitivityPanel::runRequested);
        p.setImages(64);
        p.runButton()->click();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 64);
    }
};

QTEST_MAIN(TestSensitivityPanel)
#include "TestSensitivityPanel.moc"
