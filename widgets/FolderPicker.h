#pragma once

#include <QStringList>
#include <QWidget>

class QComboBox;
class QToolButton;

namespace evolq {

// A folder with its recent list: an editable combo (type a path and press Enter, or pick a recent
// one) and a Browse button. Emits folderChosen() once per choice.
class FolderPicker : public QWidget {
    Q_OBJECT
public:
    explicit FolderPicker(const QString& dialogTitle, QWidget* parent = nullptr);

    QString folder() const;
    // Shows a folder without emitting folderChosen().
    void setFolder(const QString& folder);
    void setRecent(const QStringList& folders);
    QStringList recent() const;
    QComboBox* combo() const;

public Q_SLOTS:
    void browse();

Q_SIGNALS:
    void folderChosen(const QString& folder);

private:
    void choose(const QString& folder);

    QString m_title;
    QComboBox* m_combo;
    QToolButton* m_browse;
};

}  // namespace evolq
