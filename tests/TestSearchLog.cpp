#include <QFile>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>
#include <cmath>

#include "TestErrors.h"
#include "common/Csv.h"
#include "types/SearchLog.h"

using namespace evolq;

namespace {

void writeFile(const QString& path, const QString& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.toUtf8());
}

}  // namespace

class TestSearchLog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Every row the search and the live landscape write reads back as the event it came from.
    void roundTrip() {
        QString text;
        {
            QTextStream out(&text);
            SearchLog::writeHeader(out, QJsonObject{{"model", QJsonObject{{"depth", 2}}}});
            RunStartEvent start;
            start.baselineFitness = 1.5;
            out << SearchLog::row(start);
            LandscapeStart slice;
            slice.dims = 2;
            slice.points = 5;
            slice.radius = 3;
            slice.unit = "r (mutation range)";
            slice.direction = "random (filter-normalized)";
            slice.block = 1;
            slice.losses = {"infonce"};
            slice.visit = 0;
            slice.pass = 0;
            slice.images = "a seeded subset of 8 of the 16 calibration images";
            out << SearchLog::row(slice);
            CandidateEvent c;
            c.evaluation = 1;
            c.block = 1;
            c.cycle = -1;
            c.fitness = 1.25;
            c.isStart = c.isBest = true;
            out << SearchLog::row(c);
            FitnessEvent f{1, 0, 1, -1, 1.25, 1.25, 1.25, 0.5};
            out << SearchLog::row(f);
            LandscapePoint p;
            p.i = 2;
            p.j = 3;
            p.a = 0;
            p.b = 1.5;
            p.values = {0.75};
            p.visit = 0;
            out << SearchLog::row(p, slice);
            CandidateEvent child = c;
            child.evaluation = 2;
            child.cycle = 0;
            child.a = 0.125;
            child.b = -0.25;
            child.parentA = 0;
            child.parentB = 0;
            child.isStart = child.isBest = false;
            child.fitness = 1.0;
            out << SearchLog::row(child);
            LandscapeSummary end;
            end.start = slice;
            Jaggedness j;
            j.localMinima = 3;
            j.tvRatio = std::numeric_limits<double>::infinity();
            j.bestGainOverCentre = 0.25;
            end.jaggedness = {j};
            end.cancelled = true;
            end.seconds = 2;
            out << SearchLog::row(end);
            BlockVisitEvent v;
            v.pass = 0;
            v.block = 1;
            v.bestFitness = 1.0;
            v.accuracy = 81.5;
            v.evaluationsDone = 2;
            out << SearchLog::row(v);
            out << SearchLog::row(RunEndEvent{false, 1.0, 80.0, 3.0});
        }
        // Every line has the header's columns.
        const int columns = SearchLog::columns().split(',').size();
        for (const QString& line : text.split('\n', Qt::SkipEmptyParts))
            if (!line.startsWith('#')) QCOMPARE(csvSplit(line).size(), columns);
        QTemporaryDir dir;
        const QString path = dir.filePath("log.csv");
        writeFile(path, text);
        const SearchLogData d = SearchLog::read(path);
        QCOMPARE(d.provenance.value("model").toObject().value("depth").toInt(), 2);
        QVERIFY(d.start);
        QCOMPARE(d.start->baselineFitness, 1.5);
        QCOMPARE(d.start->blocks, 2);
        QCOMPARE(d.fitness.size(), 1);
        QCOMPARE(d.fitness[0].childFitness, 1.25);
        QCOMPARE(d.fitness[0].elapsed, 0.5);
        QCOMPARE(d.visits.size(), 1);
        QCOMPARE(d.visits[0].accuracy, 81.5);
        QVERIFY(d.end);
        QCOMPARE(d.end->finalTop1, 80.0);
        QCOMPARE(d.slices.size(), 1);
        QCOMPARE(d.slices[0].dims, 2);
        QCOMPARE(d.slices[0].points, 5);
        QCOMPARE(d.slices[0].direction, slice().direction);
        QCOMPARE(d.slices[0].images, QString("a seeded subset of 8 of the 16 calibration images"));
        QCOMPARE(d.slicePoints.size(), 1);
        QCOMPARE(d.slicePoints[0].j, 3);
        QCOMPARE(d.slicePoints[0].b, 1.5);
        QCOMPARE(d.slicePoints[0].values.value(0), 0.75);
        QCOMPARE(d.candidates.size(), 2);
        QVERIFY(d.candidates[0].isStart && d.candidates[0].isBest);
        QVERIFY(std::isnan(d.candidates[0].parentA));
        QCOMPARE(d.candidates[1].b, -0.25);
        QCOMPARE(d.candidates[1].parentA, 0.0);
        QVERIFY(!d.candidates[1].isStart && !d.candidates[1].isBest);
        QCOMPARE(d.sliceEnds.size(), 1);
        QCOMPARE(d.sliceEnds[0].jaggedness.value(0).localMinima, 3);
        QVERIFY(std::isinf(d.sliceEnds[0].jaggedness.value(0).tvRatio));
        QVERIFY(d.sliceEnds[0].cancelled);
        QCOMPARE(d.sliceEnds[0].start.block, 1);
    }

    // A log from before the live landscape's columns still reads.
    void readsTheTenColumnLog() {
        QTemporaryDir dir;
        const QString path = dir.filePath("old.csv");
        writeFile(
            path,
            "event,evaluation,pass,block,cycle,fitness,block_best,overall_best,top1,elapsed_s\n"
            "start,0,,,,2,,,,0\n"
            "fitness,1,0,0,-1,2,2,2,,0.1\n"
            "block,1,0,0,,2,,,50,0.2\n");
        const SearchLogData d = SearchLog::read(path);
        QCOMPARE(d.fitness.size(), 1);
        QCOMPARE(d.visits.size(), 1);
        QVERIFY(d.slices.isEmpty());
    }

    // A log cut off by a crash or a full disk: cut at a line boundary it reads as a run without
    // its end; cut inside a line it is an error naming the file and that line.
    void truncatedLog() {
        QString text;
        {
            QTextStream out(&text);
            SearchLog::writeHeader(out);
            RunStartEvent start;
            start.baselineFitness = 1.5;
            out << SearchLog::row(start);
            for (int e = 1; e <= 3; ++e)
                out << SearchLog::row(FitnessEvent{e, 0, 1, 0, 1.0 + e, 1.0, 1.0, 0.5 * e});
            RunEndEvent end;
            end.bestFitness = 1.0;
            out << SearchLog::row(end);
        }
        QTemporaryDir dir;
        const QString path = dir.filePath("cut.csv");
        const QStringList lines = text.split('\n', Qt::SkipEmptyParts);
        const QString whole = lines.mid(0, lines.size() - 1).join('\n') + '\n';
        writeFile(path, whole);
        const SearchLogData d = SearchLog::read(path);
        QCOMPARE(d.fitness.size(), 3);
        QVERIFY(d.start.has_value());
        QVERIFY(!d.end.has_value());
        const QString last = lines[lines.size() - 2];
        writeFile(path, lines.mid(0, lines.size() - 2).join('\n') + '\n' + last.left(12));
        const QString e = test::errorOf([&] { SearchLog::read(path); });
        QVERIFY2(e.contains(path) && e.contains(QString("line %1").arg(lines.size() - 1)),
                 qPrintable(e));
        writeFile(path, QString());
        QVERIFY2(test::errorOf([&] { SearchLog::read(path); }).contains("no header"),
                 "an empty log");
    }

    void badLogsNameTheFileAndLine() {
        QTemporaryDir dir;
        const QString path = dir.filePath("bad.csv");
        writeFile(path, SearchLog::columns() + "\nfitness,x,0,0,0,1,1,1,,0,,,,,,,,,\n");
        QString e = test::errorOf([&] { SearchLog::read(path); });
        QVERIFY2(e.contains(path) && e.contains("line 2") && e.contains("evaluation"),
                 qPrintable(e));
        writeFile(path, "a,b\n1,2\n");
        e = test::errorOf([&] { SearchLog::read(path); });
        QVERIFY2(e.contains("not a search log"), qPrintable(e));
        writeFile(path, SearchLog::columns() + "\nslice,,0,0,,1,,,,,4,0,0,0,0,,,,\n");
        e = test::errorOf([&] { SearchLog::read(path); });
        QVERIFY2(e.contains("before its slice_start"), qPrintable(e));
        e = test::errorOf([&] { SearchLog::read(dir.filePath("missing.csv")); });
        QVERIFY2(e.contains("missing.csv"), qPrintable(e));
    }

private:
    static LandscapeStart slice() {
        LandscapeStart s;
        s.direction = "random (filter-normalized)";
        return s;
    }
};

QTEST_GUILESS_MAIN(TestSearchLog)
#include "TestSearchLog.moc"
