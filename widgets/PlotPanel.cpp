#include "PlotPanel.h"

#include <QAction>
#include <QBuffer>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>

#include "MessageBanner.h"
#include "QcpInclude.h"
#include "ReplotCoalescer.h"
#include "common/AtomicFile.h"
#include "common/Csv.h"
#include "common/Error.h"

namespace evolq {

namespace {

const QSize HiddenExportSize(800, 600);

// Through the one atomic writer; on failure *why is its message, which names the file.
bool writeAtomically(const QString& path, const QByteArray& bytes, QString* why) {
    try {
        writeFileAtomically(path, bytes);
        return true;
    } catch (const Error& e) {
        *why = e.message();
        return false;
    }
}

void setError(QString* error, const QString& text) {
    if (error) *error = text;
}

}  // namespace

PlotPanel::PlotPanel(QWidget* parent)
    : QWidget(parent),
      m_plot(new QCustomPlot(this)),
      m_banner(new MessageBanner(this)),
      m_coalescer(new ReplotCoalescer(m_plot, this)),
      m_controls(new QHBoxLayout),
      m_body(new QHBoxLayout),
      m_saveImage(new QAction(tr("Save image..."), this)),
      m_saveData(new QAction(tr("Save data..."), this)),
      m_follow(new QAction(tr("Follow data"), this)) {
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    m_plot->setMinimumSize(200, 150);

    m_saveImage->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    m_saveImage->setToolTip(tr("Save the plot as PNG, SVG or PDF"));
    m_saveData->setToolTip(tr("Save the plotted data as CSV"));
    m_follow->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Fit the axes to the data as it arrives (double-click the plot)"));

    auto* saveImageButton = new QToolButton(this);
    saveImageButton->setDefaultAction(m_saveImage);
    saveImageButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto* saveDataButton = new QToolButton(this);
    saveDataButton->setDefaultAction(m_saveData);
    m_controls->addStretch(1);
    m_controls->addWidget(saveImageButton);
    m_controls->addWidget(saveDataButton);

    m_body->addWidget(m_plot, 1);

    m_toolbar = new QWidget(this);
    m_toolbar->setObjectName("plotToolbar");
    m_controls->setContentsMargins(0, 0, 0, 0);
    m_toolbar->setLayout(m_controls);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_banner);
    layout->addWidget(m_toolbar);
    layout->addLayout(m_body, 1);

    connect(m_saveImage, &QAction::triggered, this, &PlotPanel::saveImageInteractively);
    connect(m_saveData, &QAction::triggered, this, &PlotPanel::saveDataInteractively);
    connect(m_follow, &QAction::toggled, this, &PlotPanel::setFollowingData);
    connect(m_coalescer, &ReplotCoalescer::aboutToReplot, this, &PlotPanel::beforeReplot);
    connect(m_plot, &QCustomPlot::customContextMenuRequested, this, &PlotPanel::showContextMenu);
    // The user looking at a detail must not be thrown back by the next batch of points.
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
        if (event->buttons() & Qt::LeftButton) setFollowingData(false);
    });
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { setFollowingData(false); });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { setFollowingData(true); });
}

PlotPanel::~PlotPanel() = default;

QCustomPlot* PlotPanel::plot() const {
    return m_plot;
}

MessageBanner* PlotPanel::banner() const {
    return m_banner;
}

ReplotCoalescer* PlotPanel::coalescer() const {
    return m_coalescer;
}

int PlotPanel::replotCount() const {
    return m_coalescer->replotCount();
}

QAction* PlotPanel::saveImageAction() const {
    return m_saveImage;
}

QAction* PlotPanel::saveDataAction() const {
    return m_saveData;
}

void PlotPanel::setExportSize(const QSize& size) {
    m_exportSize = size;
}

QSize PlotPanel::exportSize() const {
    return m_exportSize;
}

bool PlotPanel::isFollowingData() const {
    return m_follow->isChecked();
}

void PlotPanel::setFollowingData(bool follow) {
    if (m_follow->isChecked() != follow) m_follow->setChecked(follow);
    if (follow) requestReplot();
}

void PlotPanel::requestReplot() {
    m_coalescer->request();
}

void PlotPanel::flushReplot() {
    m_coalescer->flush();
}

void PlotPanel::beforeReplot() {
    syncPlottables();
    if (isFollowingData()) fitRanges();
    updateEmptyText();
}

bool PlotPanel::hasData() const {
    for (int i = 0; i < m_plot->plottableCount(); ++i) {
        const QCPAbstractPlottable* p = m_plot->plottable(i);
        if (auto* g = qobject_cast<const QCPGraph*>(p)) {
            if (!g->data()->isEmpty()) return true;
        } else if (auto* c = qobject_cast<const QCPColorMap*>(p)) {
            if (!c->data()->isEmpty()) return true;
        } else {
            return true;
        }
    }
    return false;
}

void PlotPanel::setEmptyText(const QString& text) {
    if (!m_emptyText) {
        // A label over the plot, opaque, so that empty axes do not suggest data.
        m_emptyText = new QLabel(m_plot);
        m_emptyText->setObjectName("emptyText");
        m_emptyText->setAlignment(Qt::AlignCenter);
        m_emptyText->setWordWrap(true);
        m_emptyText->setAutoFillBackground(true);
        m_emptyText->setMargin(24);
        QFont f = m_emptyText->font();
        f.setPointSizeF(f.pointSizeF() * 1.15);
        m_emptyText->setFont(f);
        QPalette pal = m_emptyText->palette();
        pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
        m_emptyText->setPalette(pal);
        m_plot->installEventFilter(this);
    }
    m_emptyText->setText(text);
    m_emptyText->setGeometry(m_plot->rect());
    updateEmptyText();
}

bool PlotPanel::isShowingEmptyText() const {
    return m_emptyText && !m_emptyText->isHidden();
}

void PlotPanel::updateEmptyText() {
    if (!m_emptyText) return;
    const bool empty = !hasData();
    m_emptyText->setVisible(empty);
    if (empty) m_emptyText->raise();
}

bool PlotPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot && m_emptyText && event->type() == QEvent::Resize)
        m_emptyText->setGeometry(m_plot->rect());
    return QWidget::eventFilter(watched, event);
}

void PlotPanel::fitRanges() {
    m_plot->rescaleAxes();
}

QString PlotPanel::defaultFileBaseName() const {
    return QStringLiteral("plot");
}

void PlotPanel::addControl(QWidget* widget) {
    m_controls->insertWidget(m_controlCount++, widget);
}

void PlotPanel::setSideWidget(QWidget* widget) {
    if (m_side) {
        m_body->removeWidget(m_side);
        m_side->deleteLater();
    }
    m_side = widget;
    if (m_side) m_body->addWidget(m_side, 0);
}

QSize PlotPanel::effectiveExportSize() const {
    if (m_exportSize.isValid() && !m_exportSize.isEmpty()) return m_exportSize;
    if (m_plot->isVisible()) return m_plot->size();
    return HiddenExportSize;
}

QByteArray PlotPanel::renderImage(const QString& suffix, QString* why) {
    const QSize size = effectiveExportSize();
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (suffix == "png") {
        const QPixmap pixmap = m_plot->toPixmap(size.width(), size.height());
        if (pixmap.isNull() || !pixmap.save(&buffer, "PNG")) *why = tr("could not encode PNG");
    } else if (suffix == "svg") {
        QSvgGenerator generator;
        generator.setOutputDevice(&buffer);
        // Fonts are sized in points; render at the screen's resolution so text keeps its
        // on-screen proportions.
        generator.setResolution(m_plot->logicalDpiX());
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setTitle(defaultFileBaseName());
        QCPPainter painter;
        if (painter.begin(&generator)) {
            painter.setMode(QCPPainter::pmVectorized);
            m_plot->toPainter(&painter, size.width(), size.height());
            painter.end();
        } else {
            *why = tr("could not start the SVG generator");
        }
    } else if (suffix == "pdf") {
        const int dpi = m_plot->logicalDpiX();
        QPdfWriter writer(&buffer);
        writer.setCreator(QStringLiteral("Evol-Q Workbench"));
        writer.setTitle(defaultFileBaseName());
        writer.setResolution(dpi);
        const QSizeF points(size.width() * 72.0 / dpi, size.height() * 72.0 / dpi);
        writer.setPageLayout(
            QPageLayout(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch),
                        QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        QCPPainter painter;
        if (painter.begin(&writer)) {
            painter.setMode(QCPPainter::pmVectorized);
            painter.setWindow(QRect(QPoint(0, 0), size));
            m_plot->toPainter(&painter, size.width(), size.height());
            painter.end();
        } else {
            *why = tr("could not start the PDF writer");
        }
    }
    buffer.close();
    if (!why->isEmpty()) return {};
    if (buffer.data().isEmpty()) *why = tr("nothing was rendered");
    return buffer.data();
}

bool PlotPanel::savePlot(const QString& path, QString* error) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != "png" && suffix != "svg" && suffix != "pdf") {
        setError(error, tr("Cannot save the plot to %1: unknown image format \"%2\" (use .png, "
                           ".svg or .pdf).")
                            .arg(QDir::toNativeSeparators(path), suffix));
        return false;
    }
    flushReplot();
    QString why;
    const QByteArray bytes = renderImage(suffix, &why);
    if (!why.isEmpty()) {
        setError(error,
                 tr("Cannot save the plot to %1: %2.").arg(QDir::toNativeSeparators(path), why));
        return false;
    }
    if (!writeAtomically(path, bytes, &why)) {
        setError(error, tr("Cannot save the plot: %1.").arg(why));
        return false;
    }
    return true;
}

bool PlotPanel::saveCsv(const QString& path, QString* error) {
    flushReplot();
    QByteArray bytes;
    {
        QTextStream out(&bytes, QIODevice::WriteOnly);
        writeCsv(out);
    }
    QString why;
    if (!writeAtomically(path, bytes, &why)) {
        setError(error, tr("Cannot save the data: %1.").arg(why));
        return false;
    }
    return true;
}

void PlotPanel::writeCsv(QTextStream& out) const {
    out << "graph,key,value\n";
    for (int g = 0; g < m_plot->graphCount(); ++g) {
        const QCPGraph* graph = m_plot->graph(g);
        for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
            out << csvLine({graph->name(), csvNumber(it->key), csvNumber(it->value)});
    }
}

QColor PlotPanel::seriesColor(int index) {
    // Tableau 10 plus two: tells up to twelve blocks (ViT-S/B depth) apart.
    static const QRgb palette[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948,
                                   0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac, 0x17becf, 0x8c564b};
    constexpr int n = int(sizeof(palette) / sizeof(palette[0]));
    const QColor base = QColor::fromRgb(palette[qAbs(index) % n]);
    return base.darker(100 + 40 * (qAbs(index) / n));
}

void PlotPanel::setIntegerTicks(QCPAxis* axis) {
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    axis->setTicker(ticker);
}

void PlotPanel::saveImageInteractively() {
    const QString pngFilter = tr("PNG image (*.png)");
    const QString svgFilter = tr("SVG image (*.svg)");
    const QString pdfFilter = tr("PDF document (*.pdf)");
    QString selected = pngFilter;
    const QString dir = m_lastDir.isEmpty()
                            ? QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)
                            : m_lastDir;
    QString path = QFileDialog::getSaveFileName(
        this, tr("Save image"), QDir(dir).filePath(defaultFileBaseName() + ".png"),
        QStringList{pngFilter, svgFilter, pdfFilter}.join(";;"), &selected);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty())
        path += selected == svgFilter ? ".svg" : selected == pdfFilter ? ".pdf" : ".png";
    m_lastDir = QFileInfo(path).absolutePath();
    QString error;
    if (savePlot(path, &error))
        m_banner->showInfo(tr("Saved the plot to %1.").arg(QDir::toNativeSeparators(path)));
    else
        m_banner->showError(error);
}

void PlotPanel::saveDataInteractively() {
    const QString dir = m_lastDir.isEmpty()
                            ? QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)
                            : m_lastDir;
    QString path = QFileDialog::getSaveFileName(this, tr("Save data"),
                                                QDir(dir).filePath(defaultFileBaseName() + ".csv"),
                                                tr("CSV file (*.csv)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += ".csv";
    m_lastDir = QFileInfo(path).absolutePath();
    QString error;
    if (saveCsv(path, &error))
        m_banner->showInfo(tr("Saved the data to %1.").arg(QDir::toNativeSeparators(path)));
    else
        m_banner->showError(error);
}

void PlotPanel::showContextMenu(const QPoint& pos) {
    QMenu menu(this);
    menu.addAction(m_follow);
    menu.addSeparator();
    menu.addAction(m_saveImage);
    menu.addAction(m_saveData);
    menu.exec(m_plot->mapToGlobal(pos));
}

void PlotPanel::setToolbarVisible(bool visible) {
    m_toolbar->setVisible(visible);
}

bool PlotPanel::isToolbarVisible() const {
    return !m_toolbar->isHidden();
}

}  // namespace evolq
