#include "SearchPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace evolq {

namespace {

QSpinBox* spin(QWidget* parent, int lo, int hi) {
    auto* s = new QSpinBox(parent);
    s->setRange(lo, hi);
    return s;
}

}  // namespace

SearchPanel::SearchPanel(QWidget* parent)
    : QWidget(parent),
      m_strategy(new QComboBox(this)),
      m_genome(new QComboBox(this)),
      m_mixed(new QDoubleSpinBox(this)),
      m_passes(spin(this, 1, 100000)),
      m_cycles(spin(this, 1, 100000)),
      m_population(spin(this, 1, 100000)),
      m_samples(spin(this, 1, 100000)),
      m_mutation(new QDoubleSpinBox(this)),
      m_relative(new QCheckBox(tr("r as a fraction of each scale"), this)),
      m_loss(new QComboBox(this)),
      m_temperature(new QDoubleSpinBox(this)),
      m_batch(spin(this, 2, 1 << 20)),
      m_seed(spin(this, 0, 1 << 30)),
      m_valSubset(spin(this, 0, 1 << 24)),
      m_fromBaseline(new QCheckBox(tr("start from the baseline scales"), this)),
      m_finalEval(new QCheckBox(tr("top-1 on the whole validation folder at the end"), this)),
      m_liveMode(new QComboBox(this)),
      m_livePoints(spin(this, 3, 201)),
      m_liveRadius(new QDoubleSpinBox(this)),
      m_liveAxes(new QComboBox(this)),
      m_liveShare(new QDoubleSpinBox(this)),
      m_liveSubset(spin(this, 0, 1 << 24)),
      m_start(new QPushButton(tr("Start"), this)),
      m_pause(new QPushButton(tr("Pause"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_eta(new QLabel(this)) {
    m_strategy->setObjectName("strategy");
    for (StrategyKind k : strategyKinds()) m_strategy->addItem(strategyLabel(k), strategyName(k));
    m_strategy->setToolTip(
        tr("Evol-Q, or a rival on the same plots: random search (same mutation and budget), the "
           "similarity interval search (Liu et al. 2021), block reconstruction (MGRQ)"));
    m_genome->setObjectName("genome");
    m_genome->addItem(tr("attention weights (qkv, proj)"), genomeName(GenomeKind::Attention));
    m_genome->addItem(tr("all weights (+ fc1, fc2)"), genomeName(GenomeKind::Weights));
    m_genome->addItem(tr("all weights + activations"), genomeName(GenomeKind::WeightsActivations));
    m_genome->setToolTip(tr("What Evol-Q and random search change in each block"));
    m_mixed->setObjectName("mixedPrecision");
    m_mixed->setRange(1.99, 8);
    m_mixed->setDecimals(2);
    m_mixed->setSingleStep(0.25);
    m_mixed->setSpecialValueText(tr("off"));
    m_mixed->setSuffix(tr(" bits"));
    m_mixed->setToolTip(
        tr("Weight bits per block layer from 2, 3, 4 and 8, more to layers whose "
           "output has a larger nuclear norm, under this average"));
    connect(m_strategy, &QComboBox::currentIndexChanged, this, [this] { updateButtons(); });
    m_mutation->setDecimals(6);
    m_mutation->setRange(0, 10);
    m_mutation->setSingleStep(1e-4);
    m_mutation->setSpecialValueText(tr("auto (by weight bits)"));
    m_mutation->setToolTip(
        tr("auto: 1e-2 at 2-bit weights, 1e-3 at 3/4-bit (Evol-Q's), 1e-4 at "
           "8-bit"));
    m_relative->setObjectName("relativeMutation");
    m_relative->setToolTip(
        tr("Off (Evol-Q): r is an absolute step. On: r is a fraction of each scale as the search "
           "found it, so one r means the same relative step at every bit width (auto = 0.1)."));
    connect(m_relative, &QCheckBox::toggled, this, [this](bool on) {
        m_mutation->setSpecialValueText(on ? tr("auto (0.1 of each scale)")
                                           : tr("auto (by weight bits)"));
    });
    for (LossKind k : lossKinds()) m_loss->addItem(lossLabel(k), lossName(k));
    m_temperature->setRange(1e-3, 1000);
    m_temperature->setDecimals(3);
    m_valSubset->setSpecialValueText(tr("off"));
    m_valSubset->setToolTip(
        tr("Validation images measured after each block visit: shown, never used to choose"));
    m_start->setObjectName("startButton");
    m_pause->setObjectName("pauseButton");
    m_cancel->setObjectName("cancelButton");
    m_progress->setObjectName("searchProgress");
    m_progress->setTextVisible(true);
    m_eta->setObjectName("etaLabel");

    m_liveMode->setObjectName("liveLandscape");
    m_liveMode->addItem(tr("off"), 0);
    m_liveMode->addItem(tr("1-D slice per block visit"), 1);
    m_liveMode->addItem(tr("2-D slice per block visit"), 2);
    m_liveMode->setToolTip(
        tr("The Landscape plot follows the block being searched: the fitness loss along one or two "
           "axes through its current scales, computed between the search's evaluations, with the "
           "search's children drawn on it. The search's result is the same either way."));
    m_livePoints->setSingleStep(2);  // odd: the centre is a point
    m_livePoints->setToolTip(tr("Points per axis (odd), computed coarse to fine"));
    m_liveRadius->setRange(1e-3, 1e4);
    m_liveRadius->setDecimals(3);
    m_liveRadius->setSuffix(tr(" r"));
    m_liveRadius->setToolTip(tr("The slice runs over [-radius, radius] mutation ranges r"));
    m_liveAxes->addItem(tr("random (filter-normalized)"),
                        LiveLandscapeSettings::axesName(LiveAxes::Random));
    m_liveAxes->addItem(tr("mutation noise"), LiveLandscapeSettings::axesName(LiveAxes::Mutation));
    m_liveAxes->addItem(tr("toward the block's best"),
                        LiveLandscapeSettings::axesName(LiveAxes::TowardBest));
    m_liveShare->setRange(0.05, 100);
    m_liveShare->setDecimals(2);
    m_liveShare->setSingleStep(0.25);
    m_liveShare->setPrefix(tr("<= "));
    m_liveShare->setSuffix(tr(" x search time"));
    m_liveShare->setToolTip(tr("How much of the machine the live landscape may take"));
    m_liveSubset->setSpecialValueText(tr("the fitness's images"));
    m_liveSubset->setToolTip(
        tr("Calibration images per slice point: a seeded subset makes points cheaper"));
    connect(m_liveMode, &QComboBox::currentIndexChanged, this, [this] { updateButtons(); });

    auto* form = new QFormLayout;
    form->addRow(tr("Strategy:"), m_strategy);
    form->addRow(tr("Genome:"), m_genome);
    form->addRow(tr("Mixed precision:"), m_mixed);
    form->addRow(tr("Passes (P):"), m_passes);
    form->addRow(tr("Cycles per block (K):"), m_cycles);
    form->addRow(tr("Population:"), m_population);
    form->addRow(tr("Tournament samples:"), m_samples);
    form->addRow(tr("Mutation range r:"), m_mutation);
    form->addRow(m_relative);  // the whole row: its text is longer than a field
    form->addRow(tr("Loss:"), m_loss);
    form->addRow(tr("Temperature (infoNCE):"), m_temperature);
    form->addRow(tr("Fitness batch:"), m_batch);
    form->addRow(tr("Seed:"), m_seed);
    form->addRow(tr("Validation subset:"), m_valSubset);
    form->addRow(m_fromBaseline);  // the whole row: its text is longer than a field
    form->addRow(m_finalEval);     // the whole row: its text is longer than a field
    auto* liveTitle = new QLabel(tr("<b>Live landscape</b>"), this);
    form->addRow(liveTitle);
    form->addRow(tr("Slices:"), m_liveMode);
    form->addRow(tr("Points per axis:"), m_livePoints);
    form->addRow(tr("Radius:"), m_liveRadius);
    form->addRow(tr("Axes:"), m_liveAxes);
    form->addRow(tr("Machine share:"), m_liveShare);
    form->addRow(tr("Images:"), m_liveSubset);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_eta);
    layout->addStretch(1);

    // The workbench starts with the live landscape on (1-D, 21 points): pressing Start shows the
    // search walking on the landscape. The CLI's default is off, its slices going only to a log.
    SearchSettings defaults;
    defaults.live.dims = 1;
    setSettings(defaults);
    resetProgress();
    updateButtons();
    connect(m_start, &QPushButton::clicked, this, &SearchPanel::startRequested);
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (m_state == WorkerState::Paused)
            Q_EMIT resumeRequested();
        else
            Q_EMIT pauseRequested();
    });
    connect(m_cancel, &QPushButton::clicked, this, &SearchPanel::cancelRequested);
    connect(m_loss, &QComboBox::currentIndexChanged, this,
            [this] { m_temperature->setEnabled(usesTemperature()); });
}

bool SearchPanel::usesTemperature() const {
    return m_loss->currentData().toString() == lossName(LossKind::InfoNce);
}

SearchSettings SearchPanel::settings() const {
    SearchSettings s = m_kept;
    s.strategy = strategyFromName(m_strategy->currentData().toString());
    s.genome = genomeFromName(m_genome->currentData().toString());
    s.mixedPrecision = m_mixed->value() < 2 ? 0 : m_mixed->value();
    s.passes = m_passes->value();
    s.cycles = m_cycles->value();
    s.population = m_population->value();
    s.samples = m_samples->value();
    s.mutationRange = m_mutation->value();
    s.relativeMutation = m_relative->isChecked();
    // The combo holds only lossName() values, so the name always parses.
    s.fitness.loss = lossFromName(m_loss->currentData().toString());
    s.fitness.temperature = m_temperature->value();
    s.fitness.batch = m_batch->value();
    s.seed = static_cast<unsigned>(m_seed->value());
    s.valSubset = m_valSubset->value();
    s.fromBaseline = m_fromBaseline->isChecked();
    s.finalEvaluation = m_finalEval->isChecked();
    s.live.dims = m_liveMode->currentData().toInt();
    s.live.points = m_livePoints->value() | 1;
    s.live.radius = m_liveRadius->value();
    s.live.axes = LiveLandscapeSettings::axesFromName(m_liveAxes->currentData().toString());
    s.live.share = m_liveShare->value();
    s.live.subset = m_liveSubset->value();
    return s;
}

void SearchPanel::setSettings(const SearchSettings& s) {
    m_kept = s;
    m_kept.outputPath.clear();
    const int strategy = m_strategy->findData(strategyName(s.strategy));
    m_strategy->setCurrentIndex(strategy >= 0 ? strategy : 0);
    const int genome = m_genome->findData(genomeName(s.genome));
    m_genome->setCurrentIndex(genome >= 0 ? genome : 0);
    m_mixed->setValue(s.mixedPrecision > 0 ? s.mixedPrecision : m_mixed->minimum());
    m_passes->setValue(s.passes);
    m_cycles->setValue(s.cycles);
    m_population->setValue(s.population);
    m_samples->setValue(s.samples);
    m_mutation->setValue(s.mutationRange);
    m_relative->setChecked(s.relativeMutation);
    const int loss = m_loss->findData(lossName(s.fitness.loss));
    m_loss->setCurrentIndex(loss >= 0 ? loss : 0);
    m_temperature->setValue(s.fitness.temperature);
    m_batch->setValue(s.fitness.batch);
    m_seed->setValue(static_cast<int>(s.seed));
    m_valSubset->setValue(s.valSubset);
    m_fromBaseline->setChecked(s.fromBaseline);
    m_finalEval->setChecked(s.finalEvaluation);
    const int mode = m_liveMode->findData(s.live.dims);
    m_liveMode->setCurrentIndex(mode >= 0 ? mode : 0);
    m_livePoints->setValue(s.live.points);
    m_liveRadius->setValue(s.live.radius);
    const int axes = m_liveAxes->findData(LiveLandscapeSettings::axesName(s.live.axes));
    m_liveAxes->setCurrentIndex(axes >= 0 ? axes : 0);
    m_liveShare->setValue(s.live.share);
    m_liveSubset->setValue(s.live.subset);
}

QPushButton* SearchPanel::startButton() const {
    return m_start;
}

QPushButton* SearchPanel::pauseButton() const {
    return m_pause;
}

QPushButton* SearchPanel::cancelButton() const {
    return m_cancel;
}

QProgressBar* SearchPanel::progressBar() const {
    return m_progress;
}

QString SearchPanel::progressText() const {
    return m_progress->text() + " " + m_eta->text();
}

QString SearchPanel::formatEta(double seconds) {
    if (seconds < 0) return tr("ETA unknown");
    const qint64 s = qRound64(seconds);
    if (s >= 3600)
        return tr("ETA %1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QChar('0'));
    if (s >= 60) return tr("ETA %1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
    return tr("ETA %1 s").arg(s);
}

void SearchPanel::setWorkerState(WorkerState state) {
    m_state = state;
    updateButtons();
}

void SearchPanel::setReady(bool ready) {
    m_ready = ready;
    updateButtons();
}

void SearchPanel::updateButtons() {
    const bool searching = m_state == WorkerState::Searching,
               paused = m_state == WorkerState::Paused;
    m_start->setEnabled(m_ready && m_state == WorkerState::Idle);
    m_pause->setEnabled(searching || paused);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    m_cancel->setEnabled(searching || paused);
    for (QWidget* w : std::initializer_list<QWidget*>{
             m_strategy, m_genome, m_mixed, m_passes, m_cycles, m_population, m_samples, m_mutation,
             m_relative, m_loss, m_temperature, m_batch, m_seed, m_valSubset, m_fromBaseline,
             m_finalEval, m_liveMode})
        w->setEnabled(!searching && !paused);
    const bool live = m_liveMode->currentData().toInt() > 0;
    for (QWidget* w : std::initializer_list<QWidget*>{m_livePoints, m_liveRadius, m_liveAxes,
                                                      m_liveShare, m_liveSubset})
        w->setEnabled(!searching && !paused && live);
    if (!searching && !paused) m_temperature->setEnabled(usesTemperature());
    // Population, samples and the genome are Evol-Q's (the genome random search's too); the
    // similarity search has no mutation.
    const QString strategy = m_strategy->currentData().toString();
    const bool evolq = strategy == strategyName(StrategyKind::EvolQ);
    const bool mutates = evolq || strategy == strategyName(StrategyKind::Random);
    if (!searching && !paused) {
        m_population->setEnabled(evolq);
        m_samples->setEnabled(evolq);
        m_genome->setEnabled(mutates);
        m_mutation->setEnabled(mutates);
        m_relative->setEnabled(mutates);
        m_passes->setEnabled(strategy != strategyName(StrategyKind::Similarity));
        m_cycles->setEnabled(strategy != strategyName(StrategyKind::Similarity));
    }
}

void SearchPanel::setProgress(int done, int total, double etaSeconds) {
    m_progress->setRange(0, std::max(1, total));
    m_progress->setValue(std::min(done, std::max(1, total)));
    m_progress->setFormat(tr("%1 / %2 evaluations").arg(done).arg(total));
    m_eta->setText(done >= total ? tr("done") : formatEta(etaSeconds));
}

void SearchPanel::resetProgress() {
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("no search running"));
    m_eta->clear();
}

}  // namespace evolq
