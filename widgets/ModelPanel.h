#pragma once

#include <QVector>
#include <QWidget>

#include "types/Summaries.h"

class QTreeWidget;
class QTreeWidgetItem;

namespace evolq {

class FolderPicker;
class ModelSummaryWidget;

// The model: its folder (with the recent list), a summary, and a tree of blocks and quantizers with
// bits, granularity and scale statistics once the model is quantized.
class ModelPanel : public QWidget {
    Q_OBJECT
public:
    enum Column {
        Name,
        Kind,
        Bits,
        Granularity,
        Channels,
        ScaleMin,
        ScaleMean,
        ScaleMax,
        Observer,
        Columns
    };

    explicit ModelPanel(QWidget* parent = nullptr);

    FolderPicker* picker() const;
    ModelSummaryWidget* summary() const;
    QTreeWidget* tree() const;
    // The tree item of a quantizer, or null.
    QTreeWidgetItem* quantizerItem(const QString& name) const;

public Q_SLOTS:
    void setModel(const evolq::ModelSummary& model);
    // Fills in the statistics of every quantizer named in the model.
    void setQuantizers(const QVector<evolq::QuantizerSummary>& quantizers);
    void selectBlock(int block);
    void clear();

Q_SIGNALS:
    void openRequested(const QString& folder);
    // A block (or something inside it) was selected in the tree; -1 for none.
    void blockSelected(int block);

private:
    QTreeWidgetItem* groupOf(const QString& quantizer) const;

    FolderPicker* m_picker;
    ModelSummaryWidget* m_summary;
    QTreeWidget* m_tree;
    QVector<QTreeWidgetItem*> m_groups;  // embedding, blocks..., head
};

}  // namespace evolq
