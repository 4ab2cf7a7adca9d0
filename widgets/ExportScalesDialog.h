#pragma once

#include <QDialog>
#include <QJsonObject>
#include <QVector>

#include "types/Summaries.h"

class QButtonGroup;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;

namespace evolq {

// File > Export scales...: the format (native JSON, AIMET encodings 1.0.0, CSV), which quantizers,
// the file, and a preview of the provenance the file will carry.
class ExportScalesDialog : public QDialog {
    Q_OBJECT
public:
    enum Choice { All, Weights, Activations, Searched, Custom };

    explicit ExportScalesDialog(QWidget* parent = nullptr);

    void setQuantizers(const QVector<QuantizerSummary>& quantizers);
    void setProvenance(const QJsonObject& provenance);
    void setPath(const QString& path);
    QString path() const;
    void setFormat(ExportFormat format);
    ExportFormat format() const;
    void setChoice(Choice choice);
    ScaleSelection selection() const;
    // Quantizers the selection holds.
    int selectedCount() const;
    QString provenanceText() const;
    QListWidget* quantizerList() const;

public Q_SLOTS:
    void browse();
    void accept() override;

private:
    void updateSelection();
    void updateSuffix();

    QComboBox* m_format;
    QButtonGroup* m_choice;
    QListWidget* m_list;
    QLabel* m_count;
    QLabel* m_nativeNote;
    QLineEdit* m_path;
    QPlainTextEdit* m_provenance;
    QDialogButtonBox* m_buttons;
    QVector<QuantizerSummary> m_quantizers;
};

}  // namespace evolq
