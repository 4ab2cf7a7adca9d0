#include "ExportScalesDialog.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace evolq {

ExportScalesDialog::ExportScalesDialog(QWidget* parent)
    : QDialog(parent),
      m_format(new QComboBox(this)),
      m_choice(new QButtonGroup(this)),
      m_list(new QListWidget(this)),
      m_count(new QLabel(this)),
      m_nativeNote(new QLabel(this)),
      m_path(new QLineEdit(this)),
      m_provenance(new QPlainTextEdit(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this)) {
    setWindowTitle(tr("Export scales"));
    m_format->addItem(tr("Native scale file (JSON, loads back)"),
                      static_cast<int>(ExportFormat::Native));
    m_format->addItem(tr("AIMET encodings 1.0.0 (JSON)"), static_cast<int>(ExportFormat::Aimet));
    m_format->addItem(tr("CSV, one row per channel"), static_cast<int>(ExportFormat::Csv));
    m_format->setObjectName("formatCombo");
    m_path->setObjectName("pathEdit");
    m_list->setObjectName("quantizerList");
    m_provenance->setObjectName("provenancePreview");
    m_provenance->setReadOnly(true);
    m_provenance->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_nativeNote->setText(
        tr("A native file always holds every quantizer, so that it can be loaded back."));
    m_nativeNote->setWordWrap(true);

    auto* selection = new QGroupBox(tr("Quantizers"), this);
    auto* sv = new QVBoxLayout(selection);
    const QStringList labels{tr("all"), tr("weights"), tr("activations"),
                             tr("searched by Evol-Q (attention qkv, proj)"), tr("chosen below")};
    auto* radios = new QHBoxLayout;
    for (int i = 0; i < labels.size(); ++i) {
        auto* r = new QRadioButton(labels[i], selection);
        m_choice->addButton(r, i);
        radios->addWidget(r);
    }
    radios->addStretch(1);
    sv->addLayout(radios);
    sv->addWidget(m_list, 1);
    sv->addWidget(m_count);
    sv->addWidget(m_nativeNote);
    m_choice->button(All)->setChecked(true);

    auto* file = new QHBoxLayout;
    auto* browse = new QToolButton(this);
    browse->setText(tr("Browse..."));
    file->addWidget(m_path, 1);
    file->addWidget(browse);
    auto* form = new QFormLayout;
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("File:"), file);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(selection, 1);
    layout->addWidget(new QLabel(tr("Provenance written with the scales:"), this));
    layout->addWidget(m_provenance, 1);
    layout->addWidget(m_buttons);
    resize(640, 640);

    connect(browse, &QToolButton::clicked, this, &ExportScalesDialog::browse);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ExportScalesDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ExportScalesDialog::reject);
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        updateSuffix();
        updateSelection();
    });
    connect(m_choice, &QButtonGroup::idClicked, this, [this] { updateSelection(); });
    connect(m_list, &QListWidget::itemChanged, this, [this] {
        if (m_choice->checkedId() == Custom) updateSelection();
    });
    connect(m_path, &QLineEdit::textChanged, this, [this] {
        m_buttons->button(QDialogButtonBox::Save)->setEnabled(!m_path->text().trimmed().isEmpty());
    });
    m_buttons->button(QDialogButtonBox::Save)->setEnabled(false);
    updateSelection();
}

void ExportScalesDialog::setQuantizers(const QVector<QuantizerSummary>& quantizers) {
    m_quantizers = quantizers;
    const QSignalBlocker block(m_list);
    m_list->clear();
    for (const QuantizerSummary& q : quantizers) {
        auto* item =
            new QListWidgetItem(QString("%1   (%2, %3 bits, %4 ch)")
                                    .arg(q.name, q.weight ? tr("weight") : tr("activation"))
                                    .arg(q.bits)
                                    .arg(q.channels),
                                m_list);
        item->setData(Qt::UserRole, q.name);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
    }
    updateSelection();
}

void ExportScalesDialog::setProvenance(const QJsonObject& provenance) {
    m_provenance->setPlainText(
        QString::fromUtf8(QJsonDocument(provenance).toJson(QJsonDocument::Indented)));
}

QString ExportScalesDialog::provenanceText() const {
    return m_provenance->toPlainText();
}

QListWidget* ExportScalesDialog::quantizerList() const {
    return m_list;
}

void ExportScalesDialog::setPath(const QString& path) {
    m_path->setText(path);
}

QString ExportScalesDialog::path() const {
    return m_path->text().trimmed();
}

void ExportScalesDialog::setFormat(ExportFormat format) {
    m_format->setCurrentIndex(m_format->findData(static_cast<int>(format)));
}

ExportFormat ExportScalesDialog::format() const {
    return static_cast<ExportFormat>(m_format->currentData().toInt());
}

void ExportScalesDialog::setChoice(Choice choice) {
    m_choice->button(choice)->setChecked(true);
    updateSelection();
}

ScaleSelection ExportScalesDialog::selection() const {
    ScaleSelection s;
    switch (m_choice->checkedId()) {
        case Weights:
            s.activations = false;
            break;
        case Activations:
            s.weights = false;
            break;
        case Searched:
            s.searchedOnly = true;
            break;
        case Custom:
            for (int i = 0; i < m_list->count(); ++i)
                if (m_list->item(i)->checkState() == Qt::Checked)
                    s.names << m_list->item(i)->data(Qt::UserRole).toString();
            if (s.names.isEmpty()) s.names << QString();  // nothing: a name no quantizer has
            break;
        default:
            break;
    }
    return s;
}

int ExportScalesDialog::selectedCount() const {
    if (format() == ExportFormat::Native) return m_quantizers.size();
    const ScaleSelection s = selection();
    int n = 0;
    for (const QuantizerSummary& q : m_quantizers) n += s.accepts(q) ? 1 : 0;
    return n;
}

void ExportScalesDialog::updateSelection() {
    const bool native = format() == ExportFormat::Native;
    for (QAbstractButton* b : m_choice->buttons()) b->setEnabled(!native);
    m_nativeNote->setVisible(native);
    const bool custom = m_choice->checkedId() == Custom;
    m_list->setEnabled(!native && custom);
    if (!custom && !native) {
        // Show what the choice holds.
        const ScaleSelection s = selection();
        const QSignalBlocker block(m_list);
        for (int i = 0; i < m_list->count() && i < m_quantizers.size(); ++i)
            m_list->item(i)->setCheckState(s.accepts(m_quantizers[i]) ? Qt::Checked
                                                                      : Qt::Unchecked);
    }
    m_count->setText(tr("%1 of %2 quantizers").arg(selectedCount()).arg(m_quantizers.size()));
}

void ExportScalesDialog::updateSuffix() {
    const QString p = path();
    if (p.isEmpty()) return;
    const QFileInfo fi(p);
    const QString base = fi.completeBaseName().isEmpty() ? fi.fileName() : fi.completeBaseName();
    m_path->setText(fi.dir().filePath(base + "." + exportFormatSuffix(format())));
}

void ExportScalesDialog::browse() {
    const QString filter = format() == ExportFormat::Csv ? tr("CSV files (*.csv)")
                           : format() == ExportFormat::Aimet
                               ? tr("AIMET encodings (*.encodings *.json)")
                               : tr("Scale files (*.json)");
    const QString f = QFileDialog::getSaveFileName(this, tr("Export scales to"), path(), filter);
    if (!f.isEmpty()) m_path->setText(f);
}

void ExportScalesDialog::accept() {
    if (path().isEmpty()) return;
    QDialog::accept();
}

}  // namespace evolq
