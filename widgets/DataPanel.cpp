#include "DataPanel.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QVBoxLayout>

#include "FolderPicker.h"

namespace evolq {

namespace {

constexpr int ThumbSize = 48;

void clearLayout(QWidget* w) {
    for (QLabel* l : w->findChildren<QLabel*>(QString(), Qt::FindDirectChildrenOnly)) delete l;
}

}  // namespace

DataPanel::DataPanel(QWidget* parent)
    : QWidget(parent), m_failed(new QListWidget(this)), m_failedTitle(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    auto makeSide = [&](Side& side, const QString& title, const QString& dialog) {
        auto* box = new QGroupBox(title, this);
        auto* v = new QVBoxLayout(box);
        side.picker = new FolderPicker(dialog, box);
        side.text = new QLabel(tr("No folder"), box);
        side.text->setWordWrap(true);
        side.text->setTextInteractionFlags(Qt::TextSelectableByMouse);
        side.thumbs = new QWidget(box);
        side.thumbs->setLayout(new QHBoxLayout);
        side.thumbs->layout()->setContentsMargins(0, 0, 0, 0);
        static_cast<QHBoxLayout*>(side.thumbs->layout())->addStretch(1);
        v->addWidget(side.picker);
        v->addWidget(side.text);
        v->addWidget(side.thumbs);
        layout->addWidget(box);
    };
    makeSide(m_calib, tr("Calibration images"), tr("Choose the calibration folder"));
    makeSide(m_val, tr("Validation images"), tr("Choose the validation folder"));

    m_failedTitle->setText(tr("Files that failed to decode (skipped):"));
    m_failed->setObjectName("failedFiles");
    m_failed->setMaximumHeight(120);
    layout->addWidget(m_failedTitle);
    layout->addWidget(m_failed);
    layout->addStretch(1);
    m_failedTitle->hide();
    m_failed->hide();

    auto request = [this] { Q_EMIT loadRequested(calibFolder(), valFolder()); };
    connect(m_calib.picker, &FolderPicker::folderChosen, this, request);
    connect(m_val.picker, &FolderPicker::folderChosen, this, request);
}

FolderPicker* DataPanel::calibPicker() const {
    return m_calib.picker;
}

FolderPicker* DataPanel::valPicker() const {
    return m_val.picker;
}

QString DataPanel::calibFolder() const {
    return m_calib.picker->folder();
}

QString DataPanel::valFolder() const {
    return m_val.picker->folder();
}

void DataPanel::setFolders(const QString& calib, const QString& val) {
    m_calib.picker->setFolder(calib);
    m_val.picker->setFolder(val);
}

QListWidget* DataPanel::failedList() const {
    return m_failed;
}

int DataPanel::thumbnailCount() const {
    return m_calib.thumbs->findChildren<QLabel*>().size() +
           m_val.thumbs->findChildren<QLabel*>().size();
}

QString DataPanel::calibText() const {
    return m_calib.text->text();
}

QString DataPanel::valText() const {
    return m_val.text->text();
}

void DataPanel::clear() {
    for (Side* s : {&m_calib, &m_val}) {
        s->text->setText(tr("No folder"));
        clearLayout(s->thumbs);
    }
    m_failed->clear();
    m_failed->hide();
    m_failedTitle->hide();
}

void DataPanel::fill(Side& side, const DataSummary& s, const QString& what) {
    clearLayout(side.thumbs);
    if (s.folder.isEmpty()) {
        side.text->setText(tr("No folder"));
        return;
    }
    QString text;
    if (s.images == 0) {
        text = s.note.isEmpty() ? tr("Not loaded") : s.note;
    } else {
        text = s.images == 1 ? tr("1 image file") : tr("%1 image files").arg(s.images);
        if (s.classes.isEmpty())
            text += tr(", unlabelled");
        else
            text += (s.classes.size() == 1 ? tr(" in 1 class: ")
                                           : tr(" in %1 classes: ").arg(s.classes.size())) +
                    s.classes.mid(0, 12).join(", ") + (s.classes.size() > 12 ? ", ..." : "");
        if (s.decoded > 0) text += tr("\n%1 decoded for %2").arg(s.decoded).arg(what);
        if (!s.failed.isEmpty()) text += tr(", %1 failed to decode").arg(s.failed.size());
        if (!s.note.isEmpty()) text += "\n" + s.note;
    }
    side.text->setText(text);
    auto* row = static_cast<QHBoxLayout*>(side.thumbs->layout());
    int at = 0;
    for (const QString& path : s.thumbnails) {
        QImageReader reader(path);
        reader.setScaledSize(QSize(ThumbSize, ThumbSize));
        const QImage img = reader.read();
        if (img.isNull()) continue;
        auto* l = new QLabel(side.thumbs);
        l->setPixmap(QPixmap::fromImage(img));
        l->setToolTip(path);
        l->setFrameShape(QFrame::Box);
        row->insertWidget(at++, l);
    }
}

void DataPanel::setSummaries(const DataSummary& calib, const DataSummary& val) {
    fill(m_calib, calib, tr("calibration"));
    fill(m_val, val, tr("the live accuracy"));
    m_failed->clear();
    // Each entry names the file and why it failed.
    m_failed->addItems(calib.failed);
    m_failed->addItems(val.failed);
    m_failed->setVisible(m_failed->count() > 0);
    m_failedTitle->setVisible(m_failed->count() > 0);
}

}  // namespace evolq
