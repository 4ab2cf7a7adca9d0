#include "ModelPanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QRegularExpression>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "FolderPicker.h"
#include "ModelSummaryWidget.h"

namespace evolq {

namespace {

constexpr int BlockRole = Qt::UserRole + 1;

int blockOfName(const QString& name) {
    static const QRegularExpression re(R"(^blocks\.(\d+)\.)");
    const QRegularExpressionMatch m = re.match(name);
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

QString number(double v) {
    return QString::number(v, 'g', 4);
}

}  // namespace

ModelPanel::ModelPanel(QWidget* parent)
    : QWidget(parent),
      m_picker(new FolderPicker(tr("Open model folder"), this)),
      m_summary(new ModelSummaryWidget(this)),
      m_tree(new QTreeWidget(this)) {
    m_tree->setColumnCount(Columns);
    m_tree->setHeaderLabels({tr("Quantizer"), tr("Kind"), tr("Bits"), tr("Granularity"),
                             tr("Channels"), tr("Scale min"), tr("Scale mean"), tr("Scale max"),
                             tr("Observer")});
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tree->setObjectName("quantizerTree");

    auto* layout = new QVBoxLayout(this);
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Model folder:"), this));
    row->addWidget(m_picker, 1);
    layout->addLayout(row);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_summary);
    split->addWidget(m_tree);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(m_picker, &FolderPicker::folderChosen, this, &ModelPanel::openRequested);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        Q_EMIT blockSelected(item ? item->data(0, BlockRole).toInt() : -1);
    });
}

FolderPicker* ModelPanel::picker() const {
    return m_picker;
}

ModelSummaryWidget* ModelPanel::summary() const {
    return m_summary;
}

QTreeWidget* ModelPanel::tree() const {
    return m_tree;
}

void ModelPanel::clear() {
    m_summary->clear();
    m_tree->clear();
    m_groups.clear();
}

void ModelPanel::setModel(const ModelSummary& model) {
    clear();
    m_picker->setFolder(model.info.folder);
    m_summary->setSummary(model.rows);
    auto group = [this](const QString& title, int block) {
        auto* item = new QTreeWidgetItem(m_tree, {title});
        item->setData(0, BlockRole, block);
        m_groups.append(item);
        return item;
    };
    group(tr("Embedding"), -1);
    for (int b = 0; b < model.info.depth; ++b) group(tr("Block %1").arg(b), b);
    group(tr("Head"), -1);
    // Weight quantizers first, then activations, as QuantizedVit orders them.
    auto add = [this](const QString& name, bool weight) {
        auto* item =
            new QTreeWidgetItem(groupOf(name), {name, weight ? tr("weight") : tr("activation")});
        item->setData(0, Qt::UserRole, name);
        item->setData(0, BlockRole, blockOfName(name));
        for (int c = Bits; c < Columns; ++c) item->setText(c, "-");
    };
    for (const QString& l : model.layerNames) add(l + ".weight", true);
    for (const QString& p : model.pointNames) add(p, false);
    for (auto* g : m_groups) g->setText(Kind, tr("%1 quantizers").arg(g->childCount()));
    if (m_groups.size() > 1) m_groups[1]->setExpanded(true);
}

QTreeWidgetItem* ModelPanel::groupOf(const QString& quantizer) const {
    if (m_groups.isEmpty()) return nullptr;
    const int b = blockOfName(quantizer);
    if (b >= 0 && b + 1 < m_groups.size() - 1) return m_groups[b + 1];
    if (quantizer.startsWith("head") || quantizer.startsWith("norm")) return m_groups.last();
    return m_groups.first();
}

QTreeWidgetItem* ModelPanel::quantizerItem(const QString& name) const {
    for (QTreeWidgetItem* g : m_groups)
        for (int i = 0; i < g->childCount(); ++i)
            if (g->child(i)->data(0, Qt::UserRole).toString() == name) return g->child(i);
    return nullptr;
}

void ModelPanel::setQuantizers(const QVector<QuantizerSummary>& quantizers) {
    for (const QuantizerSummary& q : quantizers) {
        QTreeWidgetItem* item = quantizerItem(q.name);
        if (!item) continue;
        if (q.bits == 0) {
            item->setText(Bits, tr("off"));
            for (int c = Granularity; c < Columns; ++c) item->setText(c, "-");
            continue;
        }
        item->setText(Bits, QString("%1%2").arg(q.isSigned ? "int" : "uint").arg(q.bits));
        item->setText(Granularity, q.log2         ? tr("log2")
                                   : q.perChannel ? tr("per channel")
                                                  : tr("per tensor"));
        item->setText(Channels, QString::number(q.channels));
        item->setText(ScaleMin, number(q.scaleMin));
        item->setText(ScaleMean, number(q.scaleMean));
        item->setText(ScaleMax, number(q.scaleMax));
        item->setText(Observer, q.observer);
        item->setToolTip(
            Name, q.searched ? tr("searched by Evol-Q (part of the block's genome)") : QString());
        QFont f = item->font(Name);
        f.setBold(q.searched);
        item->setFont(Name, f);
    }
}

void ModelPanel::selectBlock(int block) {
    if (block < 0 || block + 1 >= m_groups.size() - 1) return;
    if (m_tree->currentItem() && m_tree->currentItem()->data(0, BlockRole).toInt() == block) return;
    m_tree->setCurrentItem(m_groups[block + 1]);
}

}  // namespace evolq
