#include "PresentationWindow.h"

#include <QCloseEvent>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>

#include "AccuracyPlot.h"
#include "LandscapeControls.h"
#include "LandscapePlot.h"
#include "MainWindow.h"
#include "QcpInclude.h"
#include "SearchPanel.h"
#include "worker/SearchWorker.h"

namespace evolq {

namespace {

QString percent(double v) {
    return std::isnan(v) ? QStringLiteral("-") : QString::number(v, 'f', 2) + " %";
}

// Every text of a plot at presentation size: axes, ticks, legend, labels, title.
void scalePlotFonts(QCustomPlot* p, int px) {
    QFont label = p->font(), tick = p->font();
    label.setPixelSize(px);
    tick.setPixelSize(std::max(10, px * 4 / 5));
    for (QCPAxis* axis : p->axisRect()->axes()) {
        axis->setLabelFont(label);
        axis->setTickLabelFont(tick);
        axis->setTickLengthOut(px / 4);
    }
    p->legend->setFont(tick);
    for (int i = 0; i < p->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(p->item(i))) text->setFont(tick);
    for (int i = 0; i < p->plotLayout()->elementCount(); ++i)
        if (auto* title = qobject_cast<QCPTextElement*>(p->plotLayout()->elementAt(i))) {
            QFont f = title->font();
            f.setPixelSize(px);
            title->setFont(f);
        }
    for (QCPColorScale* scale : p->findChildren<QCPColorScale*>()) {
        scale->axis()->setLabelFont(label);
        scale->axis()->setTickLabelFont(tick);
    }
}

}  // namespace

PresentationWindow::PresentationWindow(MainWindow* window, bool demo, QWidget* parent)
    : QWidget(parent, Qt::Window), m_window(window), m_demo(demo) {
    setObjectName("presentation");
    setWindowTitle(tr("Evol-Q Workbench - presentation"));
    setAttribute(Qt::WA_DeleteOnClose);
    // A minimum of our own: otherwise the layout's, computed with the type of the current size,
    // keeps a window that was large from shrinking (the type follows the size: applyFonts).
    setMinimumSize(640, 360);
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(tr("Why quantized Vision Transformers are hard to tune"));
    m_title->setAlignment(Qt::AlignCenter);
    // The title's one line follows the window's size (applyFonts), not the other way round: a
    // title set large for a big window must not keep the window from shrinking again.
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_landscape = new LandscapePlot;
    m_landscape->setEmptyText(tr("The loss along one direction of the scales appears here."));
    // For the room: the plot, its title in a few words, no research controls.
    m_landscape->setCompactTitle(true);
    m_landscape->setToolbarVisible(false);
    m_accuracy = new AccuracyPlot;
    m_accuracy->setEmptyText(tr("Top-1 of FP32, the baseline and the search appears here."));
    m_accuracy->setToolbarVisible(false);
    auto* plots = new QHBoxLayout;
    plots->addWidget(m_landscape, 3);
    plots->addWidget(m_accuracy, 2);
    m_caption = new QLabel;
    m_caption->setObjectName("caption");
    m_caption->setWordWrap(true);
    m_caption->setAlignment(Qt::AlignCenter);
    m_summary = new QLabel;
    m_summary->setObjectName("summary");
    m_summary->setWordWrap(true);
    m_summary->setAlignment(Qt::AlignCenter);
    m_start = new QPushButton(tr("Start"));
    m_start->setObjectName("presentationStart");
    m_start->setVisible(!demo);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_summary, 1);
    bottom->addWidget(m_start);
    layout->addWidget(m_title);
    layout->addLayout(plots, 1);
    layout->addWidget(m_caption);
    layout->addLayout(bottom);
    setCaption(demo ? tr("A demonstration starts in a moment. Esc leaves.")
                    : tr("Press Start: the model is quantized, we look at its loss along one "
                         "direction, then an evolutionary search improves it. Esc leaves."));

    m_next.setSingleShot(true);
    connect(m_start, &QPushButton::clicked, this, &PresentationWindow::startLesson);

    SearchWorker* w = window->worker();
    connect(w, &SearchWorker::stateChanged, this, [this](WorkerState s) {
        if (s == WorkerState::Idle) onIdle();
    });
    connect(w, &SearchWorker::error, this, [this](const QString& message) {
        if (m_step == Step::Ready || m_step == Step::Summary) return;
        m_next.stop();
        setStep(Step::Ready);
        setCaption(tr("Stopped: %1").arg(message));
    });
    connect(w, &SearchWorker::quantized, this, [this](const QuantizeSummary& s) {
        m_fp32 = s.fp32Top1;
        m_baseline = s.baselineTop1;
        m_bits = s.label;
        RunStartEvent reference;
        reference.fp32Top1 = s.fp32Top1;
        reference.baselineTop1 = s.baselineTop1;
        m_accuracy->start(reference);
        if (m_step == Step::Quantizing) m_jobSent = false;  // the result is in
    });
    connect(w, &SearchWorker::landscapeStarted, this, [this](const LandscapeStart& s) {
        if (m_step != Step::Landscape) return;
        m_landscape->start(s);
        applyFonts();  // the plot's title and markers are new
    });
    connect(w, &SearchWorker::landscapePoints, this, [this](const QVector<LandscapePoint>& p) {
        if (m_step == Step::Landscape) m_landscape->addPoints(p);
    });
    connect(w, &SearchWorker::landscapeFinished, this, [this](const LandscapeSummary& s) {
        if (m_step != Step::Landscape) return;
        for (int i = 0; i < s.jaggedness.size() && i < s.start.losses.size(); ++i)
            m_landscape->setJaggedness(s.start.losses[i], s.jaggedness[i]);
        m_landscape->flushReplot();
        m_pits = s.jaggedness.isEmpty() ? -1 : s.jaggedness.first().localMinima;
        m_jobSent = false;
    });
    connect(w, &SearchWorker::searchStarted, this, [this](const RunStartEvent& run) {
        if (m_step != Step::Searching) return;
        m_totalPasses = run.passes;
        m_landscape->clearSlices();
        // The summary compares figures on one set of images: the validation subset the search
        // measures after every visit, with its FP32 and baseline.
        if (!std::isnan(run.fp32Top1)) m_fp32 = run.fp32Top1;
        if (!std::isnan(run.baselineTop1)) m_baseline = run.baselineTop1;
        m_accuracy->start(run);
        applyFonts();
    });
    // The search's live landscape: a slice through the block being searched, the search's
    // children on it as they are evaluated.
    connect(w, &SearchWorker::liveSliceStarted, this, [this](const LandscapeStart& slice) {
        if (m_step != Step::Searching) return;
        m_landscape->startSlice(slice);
        applyFonts();
    });
    connect(w, &SearchWorker::liveSlicePoints, this, [this](const QVector<LandscapePoint>& p) {
        if (m_step == Step::Searching) m_landscape->addSlicePoints(p);
    });
    connect(w, &SearchWorker::candidates, this, [this](const QVector<CandidateEvent>& c) {
        if (m_step == Step::Searching) m_landscape->addCandidates(c);
    });
    connect(w, &SearchWorker::liveSliceFinished, this, [this](const LandscapeSummary& s) {
        if (m_step != Step::Searching) return;
        m_landscape->finishSlice(s);
        m_slicePits = s.jaggedness.isEmpty() ? -1 : s.jaggedness.first().localMinima;
    });
    connect(w, &SearchWorker::blockVisited, this, [this](const BlockVisitEvent& v) {
        if (m_step != Step::Searching) return;
        m_accuracy->addVisit(v);
        if (!std::isnan(v.accuracy)) m_searched = v.accuracy;
        // The visit's slice ends before the visit is reported: its pits are this block's.
        const QString pits =
            m_slicePits >= 0
                ? tr(" Along one direction its loss has %1 pits; the dots are the search's "
                     "children hopping between them.")
                      .arg(m_slicePits)
                : QString();
        m_slicePits = -1;
        setCaption(tr("Pass %1 of %2, block %3: the search mutates this block's scales, keeps "
                      "the best child and moves on.%4 Top-1 now %5 (baseline %6).")
                       .arg(v.pass + 1)
                       .arg(m_totalPasses)
                       .arg(v.block)
                       .arg(pits, percent(v.accuracy), percent(m_baseline)));
    });
    connect(w, &SearchWorker::searchFinished, this, [this](const RunEndEvent& end) {
        if (m_step != Step::Searching) return;
        m_accuracy->setFinal(end);
        // (end.finalTop1 is over the whole folder, not the subset of the other two figures.)
        m_jobSent = false;
    });
    resize(1280, 720);
    applyFonts();
    if (m_demo) QTimer::singleShot(0, this, &PresentationWindow::startLesson);
}

QString PresentationWindow::caption() const {
    return m_caption->text();
}

QString PresentationWindow::summary() const {
    return m_summary->text();
}

void PresentationWindow::setStep(Step s) {
    m_step = s;
    m_start->setEnabled(s == Step::Ready || s == Step::Summary);
    m_start->setText(s == Step::Summary ? tr("Start again") : tr("Start"));
    Q_EMIT stepChanged(s);
}

void PresentationWindow::setCaption(const QString& text) {
    m_caption->setText(text);
}

SearchSettings PresentationWindow::lessonSearch() const {
    // A short run that still shows the search at work: two passes over every block.
    SearchSettings s = m_window->searchPanel()->settings();
    s.passes = 2;
    s.cycles = 3;
    s.valSubset = 500;
    s.fromBaseline = true;
    s.finalEvaluation = true;
    s.outputPath.clear();
    // The live landscape on, whatever the panel says: the lesson is the search on the landscape.
    // 21 points on 256 images, so that each visit's slice is complete before the visit ends.
    s.live.dims = 1;
    s.live.points = 21;
    s.live.radius = 3;
    s.live.axes = LiveAxes::Random;
    s.live.share = 1;
    s.live.subset = 256;
    return s;
}

LandscapeSettings PresentationWindow::lessonLandscape() const {
    LandscapeSettings l;
    l.block = std::max(0, m_window->landscapeControls()->blockCount() - 1);
    l.dims = 1;
    l.points = 41;
    l.radius = 3;
    l.direction = DirectionKind::Random;
    // The search's own loss, so that the slice shown first is the one the live search walks on.
    const FitnessSettings f = m_window->searchPanel()->settings().fitness;
    l.losses = QStringList{lossName(f.loss)};
    l.subset = 256;
    l.temperature = f.temperature;
    l.batch = f.batch;
    return l;
}

void PresentationWindow::startLesson() {
    if (m_step != Step::Ready && m_step != Step::Summary) return;
    m_next.stop();
    m_pits = -1;
    m_searched = std::numeric_limits<double>::quiet_NaN();
    m_summary->clear();
    setStep(Step::Quantizing);
    setCaption(
        tr("Quantizing: every weight and activation of the network is rounded to a few "
           "levels, with scales chosen by the baseline method."));
    m_jobSent = true;
    m_window->quantize();
}

void PresentationWindow::runLandscape() {
    setStep(Step::Landscape);
    const LandscapeSettings l = lessonLandscape();
    setCaption(tr("Now we nudge the scales of block %1 along one random direction and measure "
                  "the loss at every step.")
                   .arg(l.block));
    m_jobSent = true;
    QMetaObject::invokeMethod(
        m_window->worker(), [w = m_window->worker(), l] { w->runLandscape(l); },
        Qt::QueuedConnection);
}

void PresentationWindow::runSearch() {
    setStep(Step::Searching);
    const SearchSettings s = lessonSearch();
    setCaption(
        tr("The evolutionary search: for each block it tries mutated scales, keeps the "
           "best and moves on. It jumps over the pits instead of rolling into one."));
    m_jobSent = true;
    QMetaObject::invokeMethod(
        m_window->worker(), [w = m_window->worker(), s] { w->startSearch(s); },
        Qt::QueuedConnection);
}

void PresentationWindow::onIdle() {
    // A step moves on once its result arrived and the worker is idle again.
    if (m_jobSent) return;
    switch (m_step) {
        case Step::Quantizing:
            runLandscape();
            break;
        case Step::Landscape:
            setCaption(m_pits >= 0 ? tr("The loss along one direction has %1 pits; the search hops "
                                        "between them.")
                                         .arg(m_pits)
                                   : tr("The landscape did not finish."));
            m_next.disconnect();
            connect(&m_next, &QTimer::timeout, this, &PresentationWindow::runSearch);
            m_next.start(m_pauseMs);
            break;
        case Step::Searching:
            ++m_loops;
            m_summary->setText(
                tr("%1: FP32 %2 - baseline %3 - after the search %4")
                    .arg(m_bits, percent(m_fp32), percent(m_baseline), percent(m_searched)));
            setCaption(tr("The search moved top-1 from %1 to %2, choosing scales on the "
                          "calibration images only.")
                           .arg(percent(m_baseline), percent(m_searched)));
            setStep(Step::Summary);
            if (m_demo) {
                m_next.disconnect();
                connect(&m_next, &QTimer::timeout, this, &PresentationWindow::startLesson);
                m_next.start(m_pauseMs * 2);
            }
            break;
        case Step::Ready:
        case Step::Summary:
            break;
    }
}

void PresentationWindow::applyFonts() {
    // Type follows the height, and the width too, so that the one-line title (about 48 px of
    // width per px of type) fits whatever the window's shape.
    const int px = std::clamp(std::min(height() / 30, width() / 48), 14, 400);
    QFont f = font();
    f.setPixelSize(px);
    m_caption->setFont(f);
    m_start->setFont(f);
    m_landscape->setFont(f);
    m_accuracy->setFont(f);
    QFont big = f;
    big.setPixelSize(px * 3 / 2);
    big.setBold(true);
    m_title->setFont(big);
    m_summary->setFont(big);
    // Room for the longest caption (three lines) and summary (two) at any width, so that the
    // layout never squeezes them below their text.
    m_caption->setMinimumHeight(QFontMetrics(f).lineSpacing() * 3 + px / 2);
    m_summary->setMinimumHeight(QFontMetrics(big).lineSpacing() * 2 + px / 2);
    scalePlotFonts(m_landscape->plot(), px);
    scalePlotFonts(m_accuracy->plot(), px);
    m_landscape->requestReplot();
    m_accuracy->requestReplot();
}

void PresentationWindow::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    applyFonts();
}

void PresentationWindow::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape) {
        close();
        return;
    }
    QWidget::keyPressEvent(event);
}

void PresentationWindow::closeEvent(QCloseEvent* event) {
    m_next.stop();
    // Leaving stops the lesson's job; the workbench is usable at once.
    if (m_step != Step::Ready && m_step != Step::Summary) m_window->cancel();
    Q_EMIT left();
    QWidget::closeEvent(event);
}

}  // namespace evolq
