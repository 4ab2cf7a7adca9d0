#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "AccuracyPlot.h"
#include "LandscapeControls.h"
#include "LandscapePlot.h"
#include "MainWindow.h"
#include "PlotPanel.h"
#include "PresentationWindow.h"
#include "QcpInclude.h"
#include "QuantPanel.h"
#include "TestSupport.h"
#include "WorkbenchFixture.h"
#include "WorkerRelay.h"
#include "model/Runtime.h"

using namespace evolq;

namespace {

// Every label shows its whole text: a wrapped label is as tall as its text needs, a single line
// is as wide.
QString clippedLabel(QWidget* root) {
    for (QLabel* l : root->findChildren<QLabel*>()) {
        if (!l->isVisible() || l->text().isEmpty()) continue;
        const bool fits = l->wordWrap() ? l->heightForWidth(l->width()) <= l->height()
                                        : l->sizeHint().width() <= l->width();
        if (!fits) return l->objectName() + ": " + l->text();
    }
    return QString();
}

// The plots' own text (the landscape's title, the accuracy plot's line labels) shows whole: each
// title line within the plot's width, each label inside the axis rect it is clipped to.
QString clippedPlotText(QWidget* root) {
    for (PlotPanel* panel : root->findChildren<PlotPanel*>()) {
        if (!panel->isVisible()) continue;
        QCustomPlot* plot = panel->plot();
        plot->replot();
        for (int r = 0; r < plot->plotLayout()->rowCount(); ++r) {
            auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(r, 0));
            if (!title) continue;
            const QFontMetricsF fm(title->font());
            for (const QString& line : title->text().split('\n'))
                if (fm.horizontalAdvance(line) > plot->width()) return "title: " + line;
        }
        const QRect rect = plot->axisRect()->rect();
        for (int i = 0; i < plot->itemCount(); ++i) {
            auto* text = qobject_cast<QCPItemText*>(plot->item(i));
            if (!text || !text->visible() || text->text().isEmpty()) continue;
            const QPointF at = text->position->pixelPosition();
            const double width = QFontMetricsF(text->font()).horizontalAdvance(text->text());
            const double left =
                text->positionAlignment() & Qt::AlignRight ? at.x() - width : at.x();
            if (left < rect.left() - 1 || left + width > rect.right() + 1)
                return "label: " + text->text();
        }
    }
    return QString();
}

}  // namespace

class TestPresentationWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model, m_calib, m_val;

    MainWindow::Options options() {
        MainWindow::Options o;
        o.settingsFile = m_dir.filePath("settings.ini");
        return o;
    }

    void smallQuantization(MainWindow& w) {
        QuantConfig c = w.quantPanel()->config();
        c.calibImages = 16;
        c.calibBatch = 8;
        w.quantPanel()->setConfig(c);
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        QVERIFY(m_dir.isValid());
        const test::WorkbenchFixture f(m_dir.path());
        m_model = f.model;
        m_calib = f.calib;
        m_val = f.val;
    }

    void demoLoopsThroughTheLesson() {
        MainWindow w(options());
        smallQuantization(w);
        test::WorkerRelay relay(w.worker());
        QSignalSpy data(&relay, &test::WorkerRelay::dataLoaded);
        w.openStartup(m_model, m_calib, m_val);
        PresentationWindow* p = w.openPresentation(true);
        p->setDemoPause(10);
        QVERIFY(p->isDemo());
        QVERIFY(!p->startButton()->isVisible());
        QStringList captions;
        QString summary;
        int sweepPoints = -1, slices = -1, candidates = -1;
        connect(p, &PresentationWindow::stepChanged, this, [&](PresentationWindow::Step s) {
            captions << p->caption();
            if (s == PresentationWindow::Step::Searching && sweepPoints < 0)
                sweepPoints = p->landscape()->pointCount();
            if (s == PresentationWindow::Step::Summary && slices < 0) {
                summary = p->summary();
                slices = p->landscape()->sliceCount();
                candidates = p->landscape()->candidateCount();
            }
        });
        QStringList searchCaptions;
        connect(
            w.worker(), &SearchWorker::blockVisited, this, [&] { searchCaptions << p->caption(); },
            Qt::QueuedConnection);
        QSignalSpy steps(p, &PresentationWindow::stepChanged);
        QTRY_VERIFY_WITH_TIMEOUT(p->loopsDone() >= 1, 120000);
        // Quantize, landscape, search, summary, in that order.
        QList<PresentationWindow::Step> order;
        for (const QList<QVariant>& s : steps) {
            const auto step = s.at(0).value<PresentationWindow::Step>();
            if (order.isEmpty() || order.last() != step) order << step;
        }
        QVERIFY(order.size() >= 4);
        QCOMPARE(order[0], PresentationWindow::Step::Quantizing);
        QCOMPARE(order[1], PresentationWindow::Step::Landscape);
        QCOMPARE(order[2], PresentationWindow::Step::Searching);
        QCOMPARE(order[3], PresentationWindow::Step::Summary);
        // The slice's pits, said in plain words before the search starts.
        QVERIFY2(captions.filter(QRegularExpression("has \\d+ pits; the search hops between them"))
                         .size() == 1,
                 qPrintable(captions.join(" | ")));
        QCOMPARE(sweepPoints, 41);
        // The search ran on the live landscape: a slice per block visit (two passes), the
        // search's children on the one shown, and the captions speak of its pits.
        QCOMPARE(slices, 2 * w.landscapeControls()->blockCount());
        QVERIFY2(candidates > 0, qPrintable(QString::number(candidates)));
        QVERIFY2(!searchCaptions.filter(QRegularExpression("its loss has \\d+ pits")).isEmpty(),
                 qPrintable(searchCaptions.join(" | ")));
        QVERIFY(!std::isnan(p->accuracy()->fp32Top1()));
        QVERIFY(!std::isnan(p->accuracy()->baselineTop1()));
        QVERIFY2(summary.contains("FP32") && summary.contains("after the search"),
                 qPrintable(summary));
        // It loops: the next lesson starts by itself.
        QTRY_VERIFY_WITH_TIMEOUT(p->step() != PresentationWindow::Step::Summary, 30000);
        // Esc leaves and shows the workbench.
        QSignalSpy left(p, &PresentationWindow::left);
        QTest::keyClick(p, Qt::Key_Escape);
        QCOMPARE(left.count(), 1);
        QTRY_VERIFY(w.isVisible());
        QTRY_COMPARE(w.workerState(), WorkerState::Idle);
    }

    void startRunsOnceAndTextFitsAtEverySize() {
        MainWindow w(options());
        smallQuantization(w);
        test::WorkerRelay relay(w.worker());
        w.openStartup(m_model, m_calib, m_val);
        PresentationWindow* p = w.openPresentation(false);
        p->setDemoPause(10);
        QVERIFY(p->startButton()->isVisible());
        for (const QSize& size : {QSize(1280, 720), QSize(3840, 2160), QSize(1024, 600)}) {
            p->showNormal();
            p->resize(size);
            QTRY_COMPARE(p->size(), size);
            QVERIFY2(clippedLabel(p).isEmpty(), qPrintable(clippedLabel(p)));
            // Type grows with the window.
            QVERIFY(p->findChild<QLabel*>("caption")->font().pixelSize() >= size.height() / 31);
        }
        p->startButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(p->step(), PresentationWindow::Step::Summary, 120000);
        QCOMPARE(p->loopsDone(), 1);
        QVERIFY(p->startButton()->isEnabled());
        // No research controls above the plots, and after a run every text fits at every size.
        for (PlotPanel* panel : p->findChildren<PlotPanel*>()) QVERIFY(!panel->isToolbarVisible());
        for (const QSize& size : {QSize(1280, 720), QSize(3840, 2160), QSize(1024, 600)}) {
            p->resize(size);
            QTRY_COMPARE(p->size(), size);
            QApplication::processEvents();
            QVERIFY2(clippedLabel(p).isEmpty(), qPrintable(clippedLabel(p)));
            QVERIFY2(clippedPlotText(p).isEmpty(), qPrintable(QString("%1 x %2: %3")
                                                                  .arg(size.width())
                                                                  .arg(size.height())
                                                                  .arg(clippedPlotText(p))));
        }
        p->close();
    }
};

QTEST_MAIN(TestPresentationWindow)
#include "TestPresentationWindow.moc"
