#pragma once

#include <QWidget>

class QFormLayout;
class QLabel;

namespace evolq {

// Shows a loaded model's summary: plain strings only, so that widgets never see torch.
class ModelSummaryWidget : public QWidget {
    Q_OBJECT
public:
    explicit ModelSummaryWidget(QWidget* parent = nullptr);
    // Rows of (field, value); replaces what is shown.
    void setSummary(const QList<QPair<QString, QString>>& rows);
    void clear();
    int rowCount() const;
    QString value(const QString& field) const;

private:
    QFormLayout* m_form;
};

}  // namespace evolq
