#include "SensitivityPanel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "SensitivityPlot.h"

namespace evolq {

namespace {

constexpr int SortRole = Qt::UserRole + 1;
constexpr int BlockRole = Qt::UserRole + 2;

// Sorts by the number behind the text; a missing value (NaN) sorts below every number.
class NumberItem : public QTableWidgetItem {
public:
    NumberItem(double v, const QString& text) : QTableWidgetItem(text) {
        setData(SortRole, std::isnan(v) ? -INFINITY : v);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override {
        return data(SortRole).toDouble() < other.data(SortRole).toDouble();
    }
};

QString blockText(int block, int depth) {
    if (block < 0) return QStringLiteral("embed");
    if (block >= depth) return QStringLiteral("head");
    return QString::number(block);
}

}  // namespace

SensitivityPanel::SensitivityPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* controls = new QHBoxLayout;
    m_run = new QPushButton(tr("Run sensitivity"));
    m_run->setObjectName("runSensitivity");
    m_run->setToolTip(
        tr("For every quantizer: switch it on alone (everything else in float) and measure the "
           "loss increase over the float model on the calibration images, and its SQNR."));
    m_images = new QSpinBox;
    m_images->setRange(0, 100000);
    m_images->setValue(SensitivitySettings().images);
    m_images->setSpecialValueText(tr("all"));
    m_images->setSuffix(tr(" images"));
    m_images->setToolTip(tr("Calibration images used (0 = the whole calibration set)"));
    m_export = new QPushButton(tr("Export CSV..."));
    m_export->setEnabled(false);
    m_summary = new QLabel(tr("Quantize, then press Run sensitivity."));
    m_summary->setWordWrap(true);
    controls->addWidget(m_run);
    controls->addWidget(m_images);
    controls->addWidget(m_export);
    controls->addWidget(m_summary, 1);
    layout->addLayout(controls);

    m_table = new QTableWidget(0, Columns);
    m_table->setObjectName("sensitivityTable");
    m_table->setHorizontalHeaderLabels(
        {tr("Quantizer"), tr("Kind"), tr("Block"), tr("Bits"), tr("Loss increase"), tr("SQNR dB")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
    for (int c = Kind; c < Columns; ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->setSortingEnabled(true);
    m_chart = new SensitivityPlot;
    m_chart->setEmptyText(tr("The loss increase of each quantizer alone appears here."));
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_table);
    split->addWidget(m_chart);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(m_run, &QPushButton::clicked, this, [this] { Q_EMIT runRequested(m_images->value()); });
    connect(m_export, &QPushButton::clicked, m_chart, &PlotPanel::saveDataInteractively);
    // After the rows moved (the header's signal comes before the sort).
    connect(m_table->model(), &QAbstractItemModel::layoutChanged, this, [this] { syncChart(); });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        const QList<QTableWidgetItem*> sel = m_table->selectedItems();
        if (sel.isEmpty()) return;
        QTableWidgetItem* name = m_table->item(sel.first()->row(), Name);
        m_chart->setSelected(name->text());
        Q_EMIT quantizerSelected(name->text(), name->data(BlockRole).toInt());
    });
    connect(m_chart, &SensitivityPlot::barClicked, this, &SensitivityPanel::selectQuantizer);
    setReady(false);
}

QTableWidget* SensitivityPanel::table() const {
    return m_table;
}

SensitivityPlot* SensitivityPanel::chart() const {
    return m_chart;
}

QPushButton* SensitivityPanel::runButton() const {
    return m_run;
}

void SensitivityPanel::setImages(int images) {
    m_images->setValue(images);
}

int SensitivityPanel::images() const {
    return m_images->value();
}

QStringList SensitivityPanel::rowOrder() const {
    QStringList names;
    for (int r = 0; r < m_table->rowCount(); ++r) names << m_table->item(r, Name)->text();
    return names;
}

void SensitivityPanel::syncChart() {
    m_chart->setOrder(rowOrder());
}

void SensitivityPanel::setResult(const SensitivityResult& result, const QJsonObject& provenance) {
    int depth = 0;
    for (const SensitivityRow& r : result.rows) depth = std::max(depth, r.block);
    {
        const QSignalBlocker block(m_table);
        m_table->setSortingEnabled(false);
        m_table->clearContents();
        m_table->setRowCount(result.rows.size());
        for (int i = 0; i < result.rows.size(); ++i) {
            const SensitivityRow& r = result.rows[i];
            auto* name = new QTableWidgetItem(r.name);
            name->setData(BlockRole, r.block);
            m_table->setItem(i, Name, name);
            m_table->setItem(i, Kind,
                             new QTableWidgetItem(r.weight ? tr("weight") : tr("activation")));
            m_table->setItem(i, Block, new NumberItem(r.block, blockText(r.block, depth)));
            m_table->setItem(i, Bits,
                             new NumberItem(r.bits, r.bits ? QString::number(r.bits) : tr("off")));
            m_table->setItem(
                i, LossIncrease,
                new NumberItem(r.lossIncrease, std::isnan(r.lossIncrease)
                                                   ? QStringLiteral("-")
                                                   : QString::number(r.lossIncrease, 'g', 4)));
            m_table->setItem(
                i, Sqnr,
                new NumberItem(r.sqnrDb, std::isnan(r.sqnrDb) ? QStringLiteral("-")
                                                              : QString::number(r.sqnrDb, 'f', 1)));
        }
        m_table->setSortingEnabled(true);
        // Most sensitive first.
        m_table->sortByColumn(LossIncrease, Qt::DescendingOrder);
    }
    m_chart->setResult(result, provenance);
    syncChart();
    m_export->setEnabled(!result.rows.isEmpty());
    m_summary->setText(tr("%1 quantizers on %2 calibration images, %3 of the float model %4%5 "
                          "(%6 s).")
                           .arg(result.rows.size())
                           .arg(result.images)
                           .arg(result.loss)
                           .arg(result.floatLoss, 0, 'g', 6)
                           .arg(result.cancelled ? tr(", cancelled") : QString())
                           .arg(result.seconds, 0, 'f', 1));
}

void SensitivityPanel::selectQuantizer(const QString& name) {
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, Name)->text() == name) {
            m_table->selectRow(r);
            m_table->scrollToItem(m_table->item(r, Name));
            return;
        }
}

void SensitivityPanel::setWorkerState(WorkerState state) {
    m_state = state;
    m_run->setEnabled(m_ready && state == WorkerState::Idle);
}

void SensitivityPanel::setReady(bool quantized) {
    m_ready = quantized;
    m_run->setEnabled(m_ready && m_state == WorkerState::Idle);
}

}  // namespace evolq
