#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>

#include "TestErrors.h"
#include "common/Error.h"
#include "types/RunHistory.h"
#include "types/SearchLog.h"
#include "types/Settings.h"

using namespace evolq;
using evolq::test::errorOf;

namespace {

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

}  // namespace

class TestRunHistory : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void readsASearchLog() {
        QString text;
        QTextStream out(&text);
        QJsonObject settings{{"passes", 2},        {"cycles", 3},       {"population", 15},
                             {"seed", 4},          {"loss", "infonce"}, {"temperature", 3},
                             {"mutation_range", 0}};
        SearchLog::writeHeader(out, QJsonObject{{"bit_config", "W4A8"},
                                                {"created_utc", "2026-01-01T00:00:00Z"},
                                                {"search_settings", settings}});
        RunStartEvent start;
        start.baselineFitness = 5;
        out << SearchLog::row(start);
        FitnessEvent e;
        for (int i = 1; i <= 4; ++i) {
            e.evaluation = i;
            e.childFitness = 5 - i * 0.5;
            e.overallBest = std::min(5.0, e.childFitness);
            out << SearchLog::row(e);
            if (i % 2 == 0) {
                BlockVisitEvent v;
                v.accuracy = 80 + i;
                out << SearchLog::row(v);
            }
        }
        RunEndEvent end;
        end.bestFitness = 3;
        end.finalTop1 = 85.5;
        end.seconds = 12;
        out << SearchLog::row(end);
        out.flush();
        const QString path = m_dir.filePath("run.csv");
        writeFile(path, text.toUtf8());

        const RunRecord r = RunHistory::read(path);
        QCOMPARE(r.bits, QString("W4A8"));
        QCOMPARE(r.seed, qint64(4));
        QCOMPARE(r.time, QString("2026-01-01T00:00:00Z"));
        QCOMPARE(r.baselineFitness, 5.0);
        QCOMPARE(r.finalFitness, 3.0);
        QCOMPARE(r.top1, 85.5);
        QCOMPARE(r.seconds, 12.0);
        QVERIFY(!r.cancelled);
        QCOMPARE(r.evaluations, (QVector<double>{1, 2, 3, 4}));
        QCOMPARE(r.budget, 4.0);
        QCOMPARE(r.bestFitness, (QVector<double>{4.5, 4, 3.5, 3}));
        QCOMPARE(r.visits, (QVector<double>{1, 2}));
        QCOMPARE(r.visitTop1, (QVector<double>{82, 84}));
        QCOMPARE(r.settingsText(), QString("P=2 K=3 pop=15 r=default infonce T=3"));
    }

    void readsAScaleFile() {
        QJsonObject doc{
            {"format", "evolq-scales"},
            {"bit_config", "W3A8"},
            {"created_utc", "2026-02-02T00:00:00Z"},
            {"search", QJsonObject{{"settings", QJsonObject{{"passes", 1}, {"seed", 2}}},
                                   {"seconds", 7.5},
                                   {"baseline_fitness", 10},
                                   {"best_fitness", 9},
                                   {"finished", true},
                                   {"fitness_history", QJsonArray{QJsonArray{1, 0, 1, -1, 9.5},
                                                                  QJsonArray{2, 0, 1, 0, 9.8},
                                                                  QJsonArray{3, 0, 0, 0, 9}}},
                                   {"block_visits", QJsonArray{QJsonObject{{"top1", 70}},
                                                               QJsonObject{{"top1", 71}}}}}},
            {"validation", QJsonObject{{"evolq_top1", 72.25}}}};
        const QString path = m_dir.filePath("scales.json");
        writeFile(path, QJsonDocument(doc).toJson());
        const RunRecord r = RunHistory::read(path);
        QCOMPARE(r.bits, QString("W3A8"));
        QCOMPARE(r.seed, qint64(2));
        QCOMPARE(r.strategy, QString("Evol-Q"));
        // A rival strategy's file names it, by its label.
        {
            QJsonObject rival = doc;
            QJsonObject search = rival.value("search").toObject();
            search.insert("settings", QJsonObject{{"strategy", "reconstruct"}, {"seed", 1}});
            rival.insert("search", search);
            const QString rivalPath = m_dir.filePath("rival.json");
            writeFile(rivalPath, QJsonDocument(rival).toJson());
            QCOMPARE(RunHistory::read(rivalPath).strategy,
                     strategyLabel(StrategyKind::Reconstruct));
        }
        QCOMPARE(r.finalFitness, 9.0);
        QCOMPARE(r.top1, 72.25);
        // The best so far never rises.
        QCOMPARE(r.bestFitness, (QVector<double>{9.5, 9.5, 9}));
        QCOMPARE(r.visitTop1.size(), 2);
        // Without the strategy's own count, the budget is the history's last evaluation...
        QCOMPARE(r.budget, 3.0);
        {
            // ... and with it, the count (a history may leave evaluations out).
            QJsonObject counted = doc;
            QJsonObject search = counted.value("search").toObject();
            search.insert("evaluations", 40);
            counted.insert("search", search);
            const QString countedPath = m_dir.filePath("counted.json");
            writeFile(countedPath, QJsonDocument(counted).toJson());
            QCOMPARE(RunHistory::read(countedPath).budget, 40.0);
        }

        const QString csv = RunHistory::toCsv({r, r}, QJsonObject{{"program", "evolq"}});
        const QStringList lines = csv.split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines[0].startsWith("# evolq run history {"));
        QVERIFY(lines[1].startsWith("run,source,strategy,bits,settings,seed,time,seconds,budget,"));
        QVERIFY(lines[2].contains(",W3A8,"));
        QVERIFY2(lines[2].contains(",7.5,3,9,72.25,yes"), qPrintable(lines[2]));
        const QString md = RunHistory::toMarkdown({r});
        QVERIFY(md.startsWith("| run | source |"));
        QVERIFY(md.contains("| 1 | scales.json | Evol-Q | W3A8 |"));
        QVERIFY2(md.contains("| 7.5 | 3 | 9 | 72.25 |"), qPrintable(md));
    }

    void badFilesNameTheFileAndTheProblem() {
        const QString baseline = m_dir.filePath("baseline.json");
        writeFile(baseline, R"({"format": "evolq-scales", "bit_config": "W4A8"})");
        QString e = errorOf([&] { RunHistory::read(baseline); });
        QVERIFY2(e.contains(baseline) && e.contains("holds no search"), qPrintable(e));
        const QString other = m_dir.filePath("other.csv");
        writeFile(other, "a,b,c\n1,2,3\n");
        e = errorOf([&] { RunHistory::read(other); });
        QVERIFY2(e.contains(other) && e.contains("not a search log"), qPrintable(e));
        const QString broken = m_dir.filePath("broken.json");
        writeFile(broken, "{\"search\": ");
        e = errorOf([&] { RunHistory::read(broken); });
        QVERIFY2(e.contains(broken), qPrintable(e));
        e = errorOf([&] { RunHistory::read(m_dir.filePath("missing.csv")); });
        QVERIFY2(e.contains("missing.csv"), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestRunHistory)
#include "TestRunHistory.moc"
