#pragma once

#include <QJsonObject>
#include <QVector>
#include <QWidget>

#include "types/Events.h"
#include "types/RunHistory.h"

class QPushButton;
class QTableWidget;

namespace evolq {

class MessageBanner;

// Every run of the session and every run read back from a search log or a scale file: strategy,
// settings, seed, time, budget (fitness evaluations), final fitness, top-1. Checked runs are
// overlaid on the fitness and accuracy plots (overlaysChanged); the table exports as CSV or
// Markdown, with provenance.
class RunHistoryPanel : public QWidget {
    Q_OBJECT
public:
    enum Column {
        Run,
        Source,
        Strategy,
        Bits,
        Settings,
        Seed,
        Time,
        Seconds,
        Budget,
        FinalFitness,
        Top1,
        Columns
    };

    explicit RunHistoryPanel(QWidget* parent = nullptr);

    QTableWidget* table() const;
    MessageBanner* banner() const;
    int runCount() const;
    const RunRecord& run(int i) const;
    void setChecked(int i, bool checked);
    QVector<int> checkedRuns() const;
    // The provenance written at the top of the exports.
    void setProvenance(const QJsonObject& provenance);
    // Written atomically; on failure fills *error (naming the file).
    bool exportCsv(const QString& path, QString* error = nullptr) const;
    bool exportMarkdown(const QString& path, QString* error = nullptr) const;
    // Reads a search log or a scale file and lists its run; shows the error in the banner.
    bool openFile(const QString& path);

public Q_SLOTS:
    int addRun(const evolq::RunRecord& run);
    // The session's run as it happens: started, its events, its end.
    void beginRun(const evolq::RunStartEvent& start, const QJsonObject& settings,
                  const QString& bits);
    void addFitness(const QVector<evolq::FitnessEvent>& events);
    void addVisit(const evolq::BlockVisitEvent& visit);
    void finishRun(const evolq::RunEndEvent& end);

Q_SIGNALS:
    // The checked runs and their legend labels.
    void overlaysChanged(const QVector<evolq::RunRecord>& runs, const QStringList& labels);

private:
    void setRow(int i);
    void emitOverlays();
    QString label(int i) const;

    MessageBanner* m_banner;
    QTableWidget* m_table;
    QPushButton* m_open;
    QPushButton* m_csv;
    QPushButton* m_markdown;
    QVector<RunRecord> m_runs;
    RunRecord m_current;
    bool m_running = false;
    int m_visitCount = 0;
    QJsonObject m_provenance;
};

}  // namespace evolq
