#include "RunHistoryPanel.h"

#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "MessageBanner.h"
#include "common/AtomicFile.h"
#include "common/Error.h"

namespace evolq {

namespace {

QString number(double v, char format, int digits) {
    return std::isnan(v) ? QStringLiteral("-") : QString::number(v, format, digits);
}

bool writeText(const QString& path, const QString& text, QString* error) {
    try {
        AtomicFile f(path);
        f.stream() << text;
        f.commit();
        return true;
    } catch (const Error& e) {
        if (error) *error = e.message();
        return false;
    }
}

}  // namespace

RunHistoryPanel::RunHistoryPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_banner = new MessageBanner(this);
    layout->addWidget(m_banner);
    auto* buttons = new QHBoxLayout;
    m_open = new QPushButton(tr("Open log or scale file..."));
    m_csv = new QPushButton(tr("Export CSV..."));
    m_markdown = new QPushButton(tr("Export Markdown..."));
    buttons->addWidget(m_open);
    buttons->addStretch(1);
    buttons->addWidget(m_csv);
    buttons->addWidget(m_markdown);
    layout->addLayout(buttons);
    m_table = new QTableWidget(0, Columns);
    m_table->setObjectName("runHistoryTable");
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("Source"), tr("Strategy"), tr("Bits"),
                                        tr("Settings"), tr("Seed"), tr("Time (UTC)"), tr("s"),
                                        tr("Evaluations"), tr("Final fitness"), tr("Top-1 %")});
    m_table->setToolTip(
        tr("Check two or more runs to overlay their curves on the fitness and "
           "accuracy plots."));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(Settings, QHeaderView::Stretch);
    layout->addWidget(m_table, 1);

    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (item->column() == Run) emitOverlays();
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a search log or scale file"), QString(),
            tr("Search logs and scale files (*.csv *.json);;All files (*)"));
        if (!path.isEmpty()) openFile(path);
    });
    auto exporter = [this](const QString& title, const QString& filter, bool markdown) {
        const QString path = QFileDialog::getSaveFileName(this, title, QString(), filter);
        if (path.isEmpty()) return;
        QString why;
        if (!(markdown ? exportMarkdown(path, &why) : exportCsv(path, &why)))
            m_banner->showError(why);
        else
            m_banner->showInfo(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
    };
    connect(m_csv, &QPushButton::clicked, this,
            [=] { exporter(tr("Export run history"), tr("CSV (*.csv)"), false); });
    connect(m_markdown, &QPushButton::clicked, this,
            [=] { exporter(tr("Export run history"), tr("Markdown (*.md)"), true); });
}

QTableWidget* RunHistoryPanel::table() const {
    return m_table;
}

MessageBanner* RunHistoryPanel::banner() const {
    return m_banner;
}

int RunHistoryPanel::runCount() const {
    return m_runs.size();
}

const RunRecord& RunHistoryPanel::run(int i) const {
    return m_runs[i];
}

void RunHistoryPanel::setProvenance(const QJsonObject& provenance) {
    m_provenance = provenance;
}

QString RunHistoryPanel::label(int i) const {
    const RunRecord& r = m_runs[i];
    return tr("run %1 (%2%3)")
        .arg(i + 1)
        .arg(r.bits.isEmpty() ? r.strategy : r.bits + " " + r.strategy)
        .arg(r.seed >= 0 ? tr(", seed %1").arg(r.seed) : QString());
}

void RunHistoryPanel::setRow(int i) {
    const RunRecord& r = m_runs[i];
    const QSignalBlocker block(m_table);
    auto set = [&](int column, const QString& text) {
        QTableWidgetItem* item = m_table->item(i, column);
        if (!item) {
            item = new QTableWidgetItem;
            m_table->setItem(i, column, item);
        }
        item->setText(text);
        return item;
    };
    QTableWidgetItem* run = set(Run, QString::number(i + 1));
    if (!(run->flags() & Qt::ItemIsUserCheckable)) {
        run->setFlags(run->flags() | Qt::ItemIsUserCheckable);
        run->setCheckState(Qt::Unchecked);
    }
    set(Source, r.source.contains('/') ? QFileInfo(r.source).fileName() : r.source)
        ->setToolTip(r.source);
    set(Strategy, r.strategy);
    set(Bits, r.bits.isEmpty() ? "-" : r.bits);
    set(Settings, r.settingsText());
    set(Seed, r.seed < 0 ? "-" : QString::number(r.seed));
    set(Time, r.time.isEmpty() ? "-" : r.time);
    set(Seconds, number(r.seconds, 'f', 1));
    set(Budget, number(r.budget, 'f', 0))
        ->setToolTip(tr("Fitness evaluations spent (reconstruction: forward + backward passes, "
                        "in the same units)"));
    set(FinalFitness, number(r.finalFitness, 'g', 8));
    set(Top1, number(r.top1, 'f', 2) + (r.cancelled ? tr(" (unfinished)") : QString()));
}

int RunHistoryPanel::addRun(const RunRecord& run) {
    m_runs.append(run);
    const int i = m_runs.size() - 1;
    m_table->setRowCount(m_runs.size());
    setRow(i);
    return i;
}

void RunHistoryPanel::setChecked(int i, bool checked) {
    if (QTableWidgetItem* item = m_table->item(i, Run))
        item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

QVector<int> RunHistoryPanel::checkedRuns() const {
    QVector<int> rows;
    for (int i = 0; i < m_table->rowCount(); ++i)
        if (m_table->item(i, Run) && m_table->item(i, Run)->checkState() == Qt::Checked) rows << i;
    return rows;
}

void RunHistoryPanel::emitOverlays() {
    QVector<RunRecord> runs;
    QStringList labels;
    for (int i : checkedRuns()) {
        runs << m_runs[i];
        labels << label(i);
    }
    Q_EMIT overlaysChanged(runs, labels);
}

bool RunHistoryPanel::openFile(const QString& path) {
    try {
        addRun(RunHistory::read(path));
        m_banner->hideMessage();
        return true;
    } catch (const Error& e) {
        m_banner->showError(e.message());
        return false;
    }
}

bool RunHistoryPanel::exportCsv(const QString& path, QString* error) const {
    return writeText(path, RunHistory::toCsv(m_runs, m_provenance), error);
}

bool RunHistoryPanel::exportMarkdown(const QString& path, QString* error) const {
    // Provenance as an HTML comment: invisible when rendered, kept with the table.
    QString text = RunHistory::toMarkdown(m_runs);
    if (!m_provenance.isEmpty())
        text = "<!-- evolq run history " +
               QString::fromUtf8(QJsonDocument(m_provenance).toJson(QJsonDocument::Compact))
                   .replace("--", "- -") +
               " -->\n\n" + text;
    return writeText(path, text, error);
}

void RunHistoryPanel::beginRun(const RunStartEvent& start, const QJsonObject& settings,
                               const QString& bits) {
    m_current = RunRecord();
    m_current.source = tr("this session");
    m_current.strategy =
        RunHistory::strategyDisplayName(settings.value("strategy").toString("Evol-Q"));
    m_current.bits = bits;
    m_current.settings = settings;
    m_current.seed = settings.value("seed").toInteger(-1);
    m_current.time = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    m_current.baselineFitness = start.baselineFitness;
    m_visitCount = 0;
    m_running = true;
}

void RunHistoryPanel::addFitness(const QVector<FitnessEvent>& events) {
    if (!m_running) return;
    for (const FitnessEvent& e : events) {
        m_current.evaluations << e.evaluation;
        m_current.bestFitness << e.overallBest;
        m_current.countEvaluation(e.evaluation);
    }
}

void RunHistoryPanel::addVisit(const BlockVisitEvent& visit) {
    if (!m_running) return;
    ++m_visitCount;
    if (std::isfinite(visit.accuracy)) {
        m_current.visits << m_visitCount;
        m_current.visitTop1 << visit.accuracy;
        m_current.top1 = visit.accuracy;
    }
}

void RunHistoryPanel::finishRun(const RunEndEvent& end) {
    if (!m_running) return;
    m_running = false;
    m_current.cancelled = end.cancelled;
    m_current.seconds = end.seconds;
    m_current.finalFitness = end.cancelled && !m_current.bestFitness.isEmpty()
                                 ? m_current.bestFitness.last()
                                 : end.bestFitness;
    if (std::isfinite(end.finalTop1)) m_current.top1 = end.finalTop1;
    addRun(m_current);
}

}  // namespace evolq
