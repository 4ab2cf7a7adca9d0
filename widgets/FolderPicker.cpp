#include "FolderPicker.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QToolButton>

namespace evolq {

FolderPicker::FolderPicker(const QString& dialogTitle, QWidget* parent)
    : QWidget(parent),
      m_title(dialogTitle),
      m_combo(new QComboBox(this)),
      m_browse(new QToolButton(this)) {
    m_combo->setEditable(true);
    m_combo->setInsertPolicy(QComboBox::NoInsert);
    m_combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_combo->setMinimumContentsLength(20);
    m_combo->lineEdit()->setPlaceholderText(tr("folder"));
    m_browse->setText(tr("Browse..."));
    m_browse->setToolTip(dialogTitle);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_combo, 1);
    layout->addWidget(m_browse);
    connect(m_browse, &QToolButton::clicked, this, &FolderPicker::browse);
    connect(m_combo, &QComboBox::activated, this,
            [this](int index) { choose(m_combo->itemText(index)); });
    connect(m_combo->lineEdit(), &QLineEdit::returnPressed, this,
            [this] { choose(m_combo->currentText()); });
}

QString FolderPicker::folder() const {
    return m_combo->currentText().trimmed();
}

void FolderPicker::setFolder(const QString& folder) {
    const QSignalBlocker block(m_combo);
    m_combo->setEditText(QDir::toNativeSeparators(folder));
}

void FolderPicker::setRecent(const QStringList& folders) {
    const QString current = m_combo->currentText();
    const QSignalBlocker block(m_combo);
    m_combo->clear();
    m_combo->addItems(folders);
    m_combo->setEditText(current);
}

QStringList FolderPicker::recent() const {
    QStringList out;
    for (int i = 0; i < m_combo->count(); ++i) out << m_combo->itemText(i);
    return out;
}

QComboBox* FolderPicker::combo() const {
    return m_combo;
}

void FolderPicker::browse() {
    const QString dir = QFileDialog::getExistingDirectory(this, m_title, folder());
    if (!dir.isEmpty()) choose(dir);
}

void FolderPicker::choose(const QString& folder) {
    const QString f = folder.trimmed();
    if (f.isEmpty()) return;
    setFolder(f);
    Q_EMIT folderChosen(QDir::fromNativeSeparators(f));
}

}  // namespace evolq
