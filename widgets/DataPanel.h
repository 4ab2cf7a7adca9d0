#pragma once

#include <QWidget>

#include "types/Summaries.h"

class QLabel;
class QListWidget;

namespace evolq {

class FolderPicker;

// Calibration and validation folders: recent lists, image counts, class names, files that failed to
// decode (listed, not fatal), and a few thumbnails of each.
class DataPanel : public QWidget {
    Q_OBJECT
public:
    explicit DataPanel(QWidget* parent = nullptr);

    FolderPicker* calibPicker() const;
    FolderPicker* valPicker() const;
    QString calibFolder() const;
    QString valFolder() const;
    void setFolders(const QString& calib, const QString& val);
    QListWidget* failedList() const;
    int thumbnailCount() const;
    QString calibText() const;
    QString valText() const;

public Q_SLOTS:
    void setSummaries(const evolq::DataSummary& calib, const evolq::DataSummary& val);
    void clear();

Q_SIGNALS:
    // Either folder changed: load both.
    void loadRequested(const QString& calibFolder, const QString& valFolder);

private:
    struct Side {
        FolderPicker* picker = nullptr;
        QLabel* text = nullptr;
        QWidget* thumbs = nullptr;
    };
    void fill(Side& side, const DataSummary& s, const QString& what);

    Side m_calib, m_val;
    QListWidget* m_failed;
    QLabel* m_failedTitle;
};

}  // namespace evolq
