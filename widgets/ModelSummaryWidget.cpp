#include "ModelSummaryWidget.h"

#include <QFormLayout>
#include <QLabel>

namespace evolq {

ModelSummaryWidget::ModelSummaryWidget(QWidget* parent)
    : QWidget(parent), m_form(new QFormLayout(this)) {}

void ModelSummaryWidget::clear() {
    while (m_form->rowCount() > 0) m_form->removeRow(0);
}

void ModelSummaryWidget::setSummary(const QList<QPair<QString, QString>>& rows) {
    clear();
    for (const auto& r : rows) {
        auto* v = new QLabel(r.second, this);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse);
        v->setObjectName(r.first);
        m_form->addRow(r.first + ":", v);
    }
}

int ModelSummaryWidget::rowCount() const {
    return m_form->rowCount();
}

QString ModelSummaryWidget::value(const QString& field) const {
    auto* l = findChild<QLabel*>(field);
    return l ? l->text() : QString();
}

}  // namespace evolq
