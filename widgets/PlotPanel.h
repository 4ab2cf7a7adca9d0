#pragma once

#include <QColor>
#include <QSize>
#include <QString>
#include <QWidget>

class QAction;
class QCPAxis;
class QCustomPlot;
class QHBoxLayout;
class QLabel;
class QTextStream;

namespace evolq {

class MessageBanner;
class ReplotCoalescer;

// Base of every plot: a QCustomPlot with "Save image..." / "Save data..." (toolbar and context
// menu), an inline banner for their errors, coalesced replots, and axes that follow the data until
// the user drags or zooms (double-click follows again).
class PlotPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlotPanel(QWidget* parent = nullptr);
    ~PlotPanel() override;

    QCustomPlot* plot() const;
    MessageBanner* banner() const;
    ReplotCoalescer* coalescer() const;
    int replotCount() const;

    // Format by suffix: .png, .svg or .pdf. Writes atomically; on failure fills *error (naming the
    // file) and leaves any existing file untouched.
    bool savePlot(const QString& path, QString* error = nullptr);
    // The plot's data as CSV (common/Csv.h conventions) with a header row, written atomically;
    // on failure fills *error (naming the file) and leaves any existing file untouched.
    bool saveCsv(const QString& path, QString* error = nullptr);

    // Size of exported images; an empty size means the on-screen size (800x600 while hidden).
    void setExportSize(const QSize& size);
    QSize exportSize() const;

    // Whether the axes follow the data; dragging or zooming turns it off.
    bool isFollowingData() const;
    void setFollowingData(bool follow);

    // What the plot will show and what to press, shown in place of empty axes until hasData().
    void setEmptyText(const QString& text);
    bool isShowingEmptyText() const;

    QAction* saveImageAction() const;
    QAction* saveDataAction() const;
    // The row of controls and save buttons above the plot (the context menu keeps the save
    // actions); hidden where the plot is shown to an audience.
    void setToolbarVisible(bool visible);
    bool isToolbarVisible() const;

public Q_SLOTS:
    void requestReplot();
    // Brings the plottables up to date and replots now if a replot is pending.
    void flushReplot();
    void saveImageInteractively();
    void saveDataInteractively();

protected:
    // Writes the header row and the data rows, with common/Csv.h's fields and numbers. The
    // default writes every graph as "graph,key,value".
    virtual void writeCsv(QTextStream& out) const;
    // Called before each coalesced replot: move buffered data into plottables here.
    virtual void syncPlottables() {}
    // Called before each coalesced replot while following the data: set the axis ranges here.
    // The default rescales all axes.
    virtual void fitRanges();
    // Whether there is anything to plot; the default: a graph or colour map holds data.
    virtual bool hasData() const;
    // Shows or hides the empty-state text; called before every replot.
    void updateEmptyText();

    // Suggested file name, without suffix, for the save dialogs.
    virtual QString defaultFileBaseName() const;

    // Adds a control to the toolbar row, left of the save buttons.
    void addControl(QWidget* widget);
    // Puts a widget to the right of the plot (e.g. a legend or figures).
    void setSideWidget(QWidget* widget);

    // Distinct colours for series (blocks, losses), repeating in darker shades past the palette.
    static QColor seriesColor(int index);
    // Ticks on whole numbers only: for indices (evaluations, visits, blocks, channels).
    static void setIntegerTicks(QCPAxis* axis);

private:
    void beforeReplot();
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showContextMenu(const QPoint& pos);
    QSize effectiveExportSize() const;
    QByteArray renderImage(const QString& suffix, QString* why);

    QCustomPlot* m_plot;
    QLabel* m_emptyText = nullptr;
    MessageBanner* m_banner;
    ReplotCoalescer* m_coalescer;
    QHBoxLayout* m_controls;
    QWidget* m_toolbar = nullptr;
    QHBoxLayout* m_body;
    QWidget* m_side = nullptr;
    QAction* m_saveImage;
    QAction* m_saveData;
    QAction* m_follow;
    QSize m_exportSize;
    QString m_lastDir;
    int m_controlCount = 0;
};

}  // namespace evolq
