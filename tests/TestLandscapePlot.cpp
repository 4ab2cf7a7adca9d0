#include <QCheckBox>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>
#include <cmath>

#include "LandscapePlot.h"
#include "QcpInclude.h"
#include "types/LandscapeCsv.h"

using namespace evolq;

namespace {

LandscapeStart sweep(int dims, int points) {
    LandscapeStart s;
    s.dims = dims;
    s.points = points;
    s.radius = 2;
    s.unit = "r (mutation range)";
    s.direction = "random";
    s.block = 3;
    s.losses = QStringList{"infonce", "mse"};
    return s;
}

LandscapePoint point(int i, int j, double infonce, double mse) {
    LandscapePoint p;
    p.i = i;
    p.j = j;
    p.a = -2 + i;  // radius 2, 5 points: step 1
    p.b = -2 + j;
    p.values = {infonce, mse};
    return p;
}

QStringList csvLines(LandscapePlot& plot) {
    QTemporaryDir dir;
    const QString path = dir.filePath("landscape.csv");
    QString error;
    if (!plot.saveCsv(path, &error)) return {error};
    QFile file(path);
    file.open(QIODevice::ReadOnly);
    return QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
}

}  // namespace

class TestLandscapePlot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void oneDimensionalCurves() {
        LandscapePlot plot;
        plot.start(sweep(1, 5));
        QCOMPARE(plot.dims(), 1);
        QVERIFY(!plot.colorMap());
        QVERIFY(plot.curve(0) && plot.curve(1));
        QCOMPARE(plot.curve(0)->name(), QString("infonce"));
        // Coarse to fine: ends and centre first.
        plot.addPoints({point(0, 0, 5.0, 50), point(4, 0, 3.0, 30), point(2, 0, 1.0, 10)});
        plot.addPoints({point(1, 0, 2.0, 20), point(3, 0, 0.5, 40)});
        QCOMPARE(plot.pointCount(), 5);
        QCOMPARE(plot.value(3, 0, 0), 0.5);
        QCOMPARE(plot.value(3, 7, 1), 40.0);  // j means nothing in 1-D
        QVERIFY(std::isnan(plot.value(5, 0, 0)));
        QVERIFY(std::isnan(plot.value(0, 0, 2)));

        plot.flushReplot();
        const auto infonce = plot.curve(0)->data();
        QCOMPARE(infonce->size(), 5);
        QCOMPARE(infonce->at(0)->key, -2.0);  // sorted by a despite the arrival order
        QCOMPARE(infonce->at(4)->key, 2.0);
        // Normalized by default: min 0.5 -> 0, max 5 -> 1.
        QVERIFY(plot.isNormalized());
        QCOMPARE(infonce->at(0)->value, 1.0);
        QCOMPARE(infonce->at(3)->value, 0.0);
        QCOMPARE(plot.curve(1)->data()->at(1)->value, (20.0 - 10) / 40);

        plot.setNormalized(false);
        QVERIFY(!plot.findChild<QCheckBox*>()->isChecked());
        plot.flushReplot();
        QCOMPARE(plot.curve(0)->data()->at(3)->value, 0.5);
        QCOMPARE(plot.curve(1)->data()->at(4)->value, 30.0);
    }

    void oneDimensionalMarksCentreAndBest() {
        LandscapePlot plot;
        plot.start(sweep(1, 5));
        plot.addPoints({point(0, 0, 5.0, 50), point(2, 0, 1.0, 10), point(3, 0, 0.5, 40)});
        plot.setNormalized(false);
        plot.flushReplot();
        // Best markers: the graphs after the curves, one point each, at each loss's minimum.
        const int curves = 2;
        QCPGraph* infonceBest = plot.plot()->graph(curves + 0);
        QCPGraph* mseBest = plot.plot()->graph(curves + 1);
        QCOMPARE(infonceBest->dataCount(), 1);
        QCOMPARE(infonceBest->data()->at(0)->key, 1.0);
        QCOMPARE(mseBest->data()->at(0)->key, 0.0);
        auto* centre = qobject_cast<QCPItemStraightLine*>(plot.plot()->item(0));
        QVERIFY(centre);
        QCOMPARE(centre->point1->coords().x(), 0.0);
        QCOMPARE(centre->point2->coords().x(), 0.0);
    }

    void accuracyBestIsItsMaximum() {
        LandscapeStart s = sweep(1, 5);
        s.losses = QStringList{"infonce", "top1"};
        LandscapePlot plot;
        plot.start(s);
        plot.addPoints({point(0, 0, 5.0, 80), point(2, 0, 1.0, 85), point(3, 0, 0.5, 90),
                        point(4, 0, 2.0, 70)});
        plot.flushReplot();
        QCPGraph* infonceBest = plot.plot()->graph(2);
        QCPGraph* top1Best = plot.plot()->graph(3);
        QCOMPARE(infonceBest->data()->at(0)->key, 1.0);  // lowest loss
        QCOMPARE(top1Best->data()->at(0)->key, 1.0);     // highest accuracy, not the lowest (a = 2)
        plot.addPoints({point(1, 0, 0.1, 95)});
        plot.flushReplot();
        QCOMPARE(infonceBest->data()->at(0)->key, -1.0);
        QCOMPARE(top1Best->data()->at(0)->key, -1.0);
    }

    void coarsePointFillsItsNeighbourhood() {
        LandscapePlot plot;
        plot.start(sweep(2, 5));
        QCOMPARE(plot.gridSize(), 5);
        QVERIFY(std::isnan(plot.value(2, 2, 0)));

        // The first point stands for the whole grid until more arrive.
        plot.addPoints({point(0, 0, 9.0, 90)});
        QCOMPARE(plot.pointCount(), 1);
        QCOMPARE(plot.value(4, 4, 0), 9.0);
        QCOMPARE(plot.value(3, 1, 1), 90.0);
        QVERIFY(plot.isComputed(0, 0));
        QVERIFY(!plot.isComputed(4, 4));

        // A second coarse point takes the cells nearer to it; ties stay with the first.
        plot.addPoints({point(4, 4, 1.0, 10)});
        QCOMPARE(plot.value(4, 3, 0), 1.0);
        QCOMPARE(plot.value(3, 3, 0), 1.0);
        QCOMPARE(plot.value(1, 1, 0), 9.0);
        QCOMPARE(plot.value(2, 2, 0), 9.0);  // equidistant
        QCOMPARE(plot.value(4, 0, 0), 9.0);  // equidistant

        // A finer point overrides its own cell and the cells nearest to it, never computed ones.
        plot.addPoints({point(2, 2, 5.0, 50), point(1, 0, 7.0, 70)});
        QCOMPARE(plot.pointCount(), 4);
        QCOMPARE(plot.value(2, 2, 0), 5.0);
        QCOMPARE(plot.value(2, 1, 0), 5.0);
        QCOMPARE(plot.value(1, 0, 0), 7.0);
        QCOMPARE(plot.value(1, 0, 1), 70.0);
        QCOMPARE(plot.value(0, 0, 0), 9.0);
        QCOMPARE(plot.value(4, 4, 0), 1.0);
        QVERIFY(plot.isComputed(2, 2));
        QVERIFY(!plot.isComputed(2, 1));

        // Recomputing a cell counts once.
        plot.addPoints({point(2, 2, 4.0, 40)});
        QCOMPARE(plot.pointCount(), 4);
        QCOMPARE(plot.value(2, 2, 0), 4.0);
    }

    void colourMapShowsTheChosenLoss() {
        LandscapePlot plot;
        plot.start(sweep(2, 5));
        QVERIFY(plot.colorMap());
        QVERIFY(!plot.curve(0));
        plot.addPoints({point(0, 0, 9.0, 90), point(4, 4, 1.0, 10)});
        plot.flushReplot();
        QCPColorMapData* data = plot.colorMap()->data();
        QCOMPARE(data->keySize(), 5);
        QCOMPARE(data->valueSize(), 5);
        QCOMPARE(data->cell(4, 3), 1.0);
        QCOMPARE(data->cell(0, 1), 9.0);
        QCOMPARE(plot.colorMap()->dataRange(), QCPRange(1.0, 9.0));
        QCOMPARE(data->keyRange(), QCPRange(-2, 2));
        QVERIFY(plot.plot()->xAxis->label().contains("r (mutation range)"));
        QVERIFY(plot.plot()->yAxis->label().contains("r (mutation range)"));

        auto* combo = plot.findChild<QComboBox*>();
        QCOMPARE(combo->count(), 2);
        combo->setCurrentIndex(1);
        QCOMPARE(plot.currentLoss(), 1);
        plot.flushReplot();
        QCOMPARE(data->cell(4, 3), 10.0);
        QCOMPARE(plot.colorMap()->colorScale()->axis()->label(), QString("mse"));
    }

    void switchesBetweenModes() {
        LandscapePlot plot;
        plot.start(sweep(2, 5));
        QVERIFY(plot.colorMap());
        plot.start(sweep(1, 5));
        QVERIFY(!plot.colorMap());
        QCOMPARE(plot.pointCount(), 0);
        bool hasScale = false;
        for (int i = 0; i < plot.plot()->plotLayout()->elementCount(); ++i)
            hasScale |=
                qobject_cast<QCPColorScale*>(plot.plot()->plotLayout()->elementAt(i)) != nullptr;
        QVERIFY(!hasScale);
        plot.start(sweep(2, 3));
        QCOMPARE(plot.colorMap()->data()->keySize(), 3);
    }

    void showsJaggedness() {
        LandscapePlot plot;
        plot.start(sweep(1, 5));
        QVERIFY(!plot.jaggednessText().contains("infonce"));
        Jaggedness j;
        j.localMinima = 3;
        j.tvRatio = 4.25;
        j.bestGainOverCentre = 0.0125;
        plot.setJaggedness("infonce", j);
        QVERIFY(plot.jaggednessText().contains("infonce"));
        QVERIFY(plot.jaggednessText().contains("local minima: 3"));
        QVERIFY(plot.jaggednessText().contains("4.25"));
        QVERIFY(plot.jaggednessText().contains("0.0125"));
        QVERIFY(!plot.jaggednessText().contains("mse"));
        plot.start(sweep(2, 5));  // a new sweep forgets the figures
        QVERIFY(!plot.jaggednessText().contains("infonce"));
    }

    void savesComputedPointsOnly() {
        LandscapePlot plot;
        plot.start(sweep(2, 5));
        plot.addPoints({point(0, 0, 9.0, 90), point(4, 4, 1.0, 10), point(2, 2, 5.0, 50)});
        const QStringList lines = csvLines(plot);
        QCOMPARE(lines.size(), 1 + 3);
        QCOMPARE(lines[0], QString("i,j,a,b,infonce,mse"));
        QCOMPARE(lines[1], QString("0,0,-2,-2,9,90"));
        QCOMPARE(lines[2], QString("2,2,0,0,5,50"));

        plot.start(sweep(1, 5));
        plot.addPoints({point(4, 0, 3.0, 30), point(0, 0, 5.0, 50)});
        QCOMPARE(csvLines(plot), QStringList({"i,a,infonce,mse", "0,-2,5,50", "4,2,3,30"}));
    }

    // Save data writes the CSV that `evolq landscape` writes: the jaggedness as a comment line,
    // LandscapeCsv's header, one row per computed point, values that read back exactly.
    void savesTheLandscapeCsvFormat() {
        const LandscapeStart s = sweep(2, 5);
        LandscapePlot plot;
        plot.start(s);
        LandscapePoint third = point(1, 3, 1.0 / 3.0, 2.0 / 3.0);
        third.a = -1.0 / 7.0;
        plot.addPoints({point(0, 0, 9.0, 90), point(4, 4, 1.0, 10), third});
        plot.addPoints({point(2, 2, 5.0, 50), point(2, 2, 4.0, 40)});  // recomputed: one row
        QCOMPARE(plot.pointCount(), 4);
        Jaggedness infonce, mse;
        infonce.localMinima = 2;
        mse.localMinima = 5;
        plot.setJaggedness("mse", mse);  // arrival order does not matter
        plot.setJaggedness("infonce", infonce);

        const QStringList lines = csvLines(plot);
        QVERIFY2(lines.size() == 2 + 4, qPrintable(lines.join('\n')));
        QVERIFY(lines[0].startsWith("# jaggedness "));
        const QJsonObject figures =
            QJsonDocument::fromJson(lines[0].mid(QString("# jaggedness ").size()).toUtf8())
                .object();
        QCOMPARE(figures.value("infonce").toObject().value("local_minima").toInt(), 2);
        QCOMPARE(figures.value("mse").toObject().value("local_minima").toInt(), 5);

        // The header is LandscapeCsv's for this sweep.
        QString expected;
        {
            QTextStream out(&expected);
            LandscapeCsv::write(out, s, {}, {});
        }
        QCOMPARE(lines[1] + '\n', expected);
        QCOMPARE(lines[1], QString("i,j,a,b,infonce,mse"));

        // One row per computed point, in grid order (j, then i).
        QCOMPARE(lines.mid(2).size(), plot.pointCount());
        QCOMPARE(lines[2], QString("0,0,-2,-2,9,90"));
        QCOMPARE(lines[3], QString("2,2,0,0,4,40"));
        const QStringList row = lines[4].split(',');
        QCOMPARE(row.size(), 6);
        QCOMPARE(row[0], QString("1"));
        QCOMPARE(row[1], QString("3"));
        QCOMPARE(row[2].toDouble(), -1.0 / 7.0);
        QCOMPARE(row[3].toDouble(), 1.0);
        QCOMPARE(row[4].toDouble(), 1.0 / 3.0);
        QCOMPARE(row[5].toDouble(), 2.0 / 3.0);
        QCOMPARE(lines[5], QString("4,4,2,2,1,10"));
    }

    void savesAMissingValueAsAnEmptyField() {
        LandscapePlot plot;
        plot.start(sweep(1, 5));
        plot.addPoints({point(2, 0, std::nan(""), 7.5)});
        QCOMPARE(csvLines(plot), QStringList({"i,a,infonce,mse", "2,0,,7.5"}));
    }

    void savesImagesInBothModes() {
        QTemporaryDir dir;
        LandscapePlot plot;
        plot.start(sweep(2, 5));
        plot.addPoints({point(0, 0, 9.0, 90), point(4, 4, 1.0, 10)});
        QString error;
        QVERIFY2(plot.savePlot(dir.filePath("map.svg"), &error), qPrintable(error));
        plot.start(sweep(1, 5));
        plot.addPoints({point(0, 0, 9.0, 90), point(4, 0, 1.0, 10)});
        QVERIFY2(plot.savePlot(dir.filePath("curves.png"), &error), qPrintable(error));
        QVERIFY(QFileInfo(dir.filePath("curves.png")).size() > 0);
    }

    // The live landscape: a slice per block visit, kept; candidates on the shown one; the visit
    // selector reaches earlier slices and "follow" comes back to the latest.
    void liveSlicesAndCandidates() {
        LandscapePlot plot;
        auto slice = [](int visit, int block) {
            LandscapeStart s;
            s.dims = 1;
            s.points = 5;
            s.radius = 2;
            s.unit = "r (mutation range)";
            s.direction = "random (filter-normalized)";
            s.block = block;
            s.losses = {"infonce"};
            s.visit = visit;
            s.pass = 0;
            return s;
        };
        auto livePoint = [](int visit, int i, double v) {
            LandscapePoint p;
            p.i = i;
            p.a = -2 + i;
            p.values = {v};
            p.visit = visit;
            return p;
        };
        auto candidate = [](int visit, int evaluation, double a, double fitness, bool start,
                            bool best) {
            CandidateEvent c;
            c.visit = visit;
            c.evaluation = evaluation;
            c.a = a;
            c.fitness = fitness;
            c.isStart = start;
            c.isBest = best;
            if (!start) c.parentA = c.parentB = 0;
            return c;
        };
        plot.startSlice(slice(0, 1));
        QCOMPARE(plot.sliceCount(), 1);
        QCOMPARE(plot.shownVisit(), 0);
        plot.addSlicePoints({livePoint(0, 2, 1.0), livePoint(0, 0, 3.0), livePoint(0, 4, 2.0)});
        plot.addCandidates({candidate(0, 1, 0, 1.0, true, true),
                            candidate(0, 2, 0.25, 0.9, false, true),
                            candidate(0, 3, -0.5, 1.2, false, false)});
        plot.flushReplot();
        QCOMPARE(plot.pointCount(), 3);
        QCOMPARE(plot.candidateCount(), 3);
        QVERIFY(plot.candidateGraph());
        QCOMPARE(plot.candidateGraph()->dataCount(), 2);  // the children; the start is the centre
        // In order of a, each at its fitness.
        QCOMPARE(plot.candidateGraph()->data()->at(0)->key, -0.5);
        QCOMPARE(plot.candidateGraph()->data()->at(0)->value, 1.2);
        QCOMPARE(plot.candidateGraph()->data()->at(1)->key, 0.25);
        QCOMPARE(plot.candidateGraph()->data()->at(1)->value, 0.9);
        Jaggedness j;
        j.localMinima = 1;
        LandscapeSummary end;
        end.start = slice(0, 1);
        end.jaggedness = {j};
        plot.finishSlice(end);
        QVERIFY(plot.visitSelector()->itemText(0).contains("1 local minima"));
        QVERIFY(plot.jaggednessText().contains("local minima: 1"));

        // The next visit's slice replaces it on the plot while following.
        plot.startSlice(slice(1, 0));
        plot.addSlicePoints({livePoint(1, 2, 5.0)});
        plot.addCandidates({candidate(1, 4, 0, 5.0, true, true)});
        plot.flushReplot();
        QCOMPARE(plot.sliceCount(), 2);
        QCOMPARE(plot.shownVisit(), 1);
        QCOMPARE(plot.pointCount(), 1);
        QCOMPARE(plot.visitSelector()->count(), 2);
        // Back to the first visit: its points and children as they were; no more following.
        plot.showVisit(0);
        plot.flushReplot();
        QCOMPARE(plot.shownVisit(), 0);
        QVERIFY(!plot.isFollowingSearch());
        QCOMPARE(plot.pointCount(), 3);
        QCOMPARE(plot.candidateGraph()->dataCount(), 2);
        // Points of the latest visit arrive without moving the view.
        plot.addSlicePoints({livePoint(1, 0, 6.0)});
        plot.startSlice(slice(2, 1));
        QCOMPARE(plot.shownVisit(), 0);
        plot.setFollowingSearch(true);
        QCOMPARE(plot.shownVisit(), 2);
        plot.showVisit(1);
        QCOMPARE(plot.pointCount(), 2);
        plot.clearSlices();
        QCOMPARE(plot.sliceCount(), 0);
    }
};

QTEST_MAIN(TestLandscapePlot)
#include "TestLandscapePlot.moc"
