// The settings types of types/: one JSON form each, one parser of direction strings, validation
// that names what is wrong.
#include <QJsonArray>
#include <QTest>

#include "TestErrors.h"
#include "common/Error.h"
#include "types/Settings.h"

using namespace evolq;

class TestSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void searchSettingsRoundTripEveryField() {
        SearchSettings s;
        s.passes = 7;
        s.cycles = 5;
        s.population = 21;
        s.samples = 4;
        s.mutationRange = 2.5e-3;
        s.relativeMutation = true;
        s.fitness.loss = LossKind::Kl;
        s.fitness.temperature = 0.5;
        s.fitness.batch = 50;
        s.seed = 42;
        s.valSubset = 123;
        s.fromBaseline = false;
        s.finalEvaluation = false;
        s.outputPath = "not/in/json.json";
        const QJsonObject o = s.toJson();
        QCOMPARE(o.value("loss").toString(), QString("kl"));
        QCOMPARE(o.value("mutation_range").toDouble(),
                 2.5e-3);  // the setting, not a resolved value
        QVERIFY(!o.contains("output_path"));
        const SearchSettings r = SearchSettings::fromJson(o);
        QCOMPARE(r.passes, 7);
        QCOMPARE(r.cycles, 5);
        QCOMPARE(r.population, 21);
        QCOMPARE(r.samples, 4);
        QCOMPARE(r.mutationRange, 2.5e-3);
        QVERIFY(r.relativeMutation);
        QCOMPARE(r.fitness.loss, LossKind::Kl);
        QCOMPARE(r.fitness.temperature, 0.5);
        QCOMPARE(r.fitness.batch, 50);
        QCOMPARE(r.seed, 42u);
        QCOMPARE(r.valSubset, 123);
        QVERIFY(!r.fromBaseline);
        QVERIFY(!r.finalEvaluation);
        QVERIFY(r.outputPath.isEmpty());
        QCOMPARE(r.toJson(), o);
    }

    void searchSettingsMissingFieldsKeepDefaults() {
        const SearchSettings d;
        const SearchSettings r = SearchSettings::fromJson(QJsonObject{{"passes", 3}});
        QCOMPARE(r.passes, 3);
        QCOMPARE(r.cycles, d.cycles);
        QCOMPARE(r.fitness.loss, d.fitness.loss);
        QCOMPARE(r.valSubset, d.valSubset);
        QVERIFY_THROWS_EXCEPTION(Error, SearchSettings::fromJson(QJsonObject{{"loss", "hinge"}}));
    }

    void mutationRangeResolvesPerBitWidth() {
        SearchSettings s;
        QCOMPARE(s.rangeFor(2), 1e-2);
        QCOMPARE(s.rangeFor(3), 1e-3);
        QCOMPARE(s.rangeFor(4), 1e-3);
        QCOMPARE(s.rangeFor(8), 1e-4);
        s.relativeMutation = true;
        QCOMPARE(s.rangeFor(4), 0.1);
        QCOMPARE(s.mutationUnit(), QString("fraction of each starting scale"));
        s.mutationRange = 0.02;
        QCOMPARE(s.rangeFor(8), 0.02);
    }

    void searchSettingsValidate_data() {
        QTest::addColumn<QString>("field");
        QTest::addRow("passes") << "passes";
        QTest::addRow("cycles") << "cycles";
        QTest::addRow("population") << "population";
        QTest::addRow("samples") << "samples";
        QTest::addRow("mutation") << "mutation";
        QTest::addRow("temperature") << "temperature";
        QTest::addRow("batch") << "batch";
        QTest::addRow("valSubset") << "valSubset";
    }
    void searchSettingsValidate() {
        QFETCH(QString, field);
        SearchSettings s;
        s.validate();  // the defaults are valid
        if (field == "passes") s.passes = 0;
        if (field == "cycles") s.cycles = 0;
        if (field == "population") s.population = 0;
        if (field == "samples") s.samples = 0;
        if (field == "mutation") s.mutationRange = -1;
        if (field == "temperature") s.fitness.temperature = 0;
        if (field == "batch") s.fitness.batch = 1;
        if (field == "valSubset") s.valSubset = -1;
        QVERIFY_THROWS_EXCEPTION(Error, s.validate());
    }

    void lossNamesRoundTrip() {
        QStringList names;
        for (LossKind k : lossKinds()) {
            QCOMPARE(lossFromName(lossName(k)), k);
            QVERIFY(!lossLabel(k).isEmpty());
            names << lossName(k);
        }
        QCOMPARE(names, (QStringList{"infonce", "mse", "kl", "cosine"}));
        QCOMPARE(lossFromName(" InfoNCE "), LossKind::InfoNce);
        try {
            lossFromName("hinge");
            QFAIL("an unknown loss must throw");
        } catch (const Error& e) {
            QVERIFY(e.message().contains("hinge"));
        }
        // Every search loss is also a landscape quantity.
        for (const QString& n : names) QVERIFY(landscapeQuantities().contains(n));
    }

    void directionParser_data() {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("channel");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("name");
        QTest::addRow("random") << "random" << int(DirectionKind::Random) << 0 << ""
                                << "random";
        QTest::addRow("mutation") << "mutation" << int(DirectionKind::Mutation) << 0 << ""
                                  << "mutation";
        QTest::addRow("channel") << "channel:12" << int(DirectionKind::Channel) << 12 << ""
                                 << "channel:12";
        QTest::addRow("toward file")
            << "toward:/a/b.json" << int(DirectionKind::Toward) << 0 << "/a/b.json"
            << "toward:/a/b.json";
        QTest::addRow("toward result")
            << "toward:result" << int(DirectionKind::TowardResult) << 0 << ""
            << "toward:result";
        QTest::addRow("spaces") << "  mutation " << int(DirectionKind::Mutation) << 0 << ""
                                << "mutation";
    }
    void directionParser() {
        QFETCH(QString, spec);
        QFETCH(int, kind);
        QFETCH(int, channel);
        QFETCH(QString, file);
        QFETCH(QString, name);
        LandscapeSettings s;
        s.setDirection(spec);
        QCOMPARE(int(s.direction), kind);
        QCOMPARE(s.channel, channel);
        QCOMPARE(s.towardFile, file);
        QCOMPARE(s.directionName(), name);
        // The name parses back to the same direction.
        LandscapeSettings t;
        t.setDirection(s.directionName());
        QCOMPARE(int(t.direction), kind);
    }

    void badDirectionsThrow_data() {
        QTest::addColumn<QString>("spec");
        QTest::addRow("unknown") << "sideways";
        QTest::addRow("channel without number") << "channel:";
        QTest::addRow("negative channel") << "channel:-1";
        QTest::addRow("channel not a number") << "channel:x";
        QTest::addRow("toward without file") << "toward:";
        QTest::addRow("empty") << "";
    }
    void badDirectionsThrow() {
        QFETCH(QString, spec);
        LandscapeSettings s;
        QVERIFY_THROWS_EXCEPTION(Error, s.setDirection(spec));
        QCOMPARE(s.direction, DirectionKind::Random);  // unchanged
    }

    void landscapeSettingsRoundTripEveryField() {
        LandscapeSettings s;
        s.block = 3;
        s.quantizer = "blocks.3.mlp.fc1.weight";
        s.dims = 2;
        s.points = 9;
        s.radius = 0.25;
        s.unit = RadiusUnit::ScaleFraction;
        s.setDirection("channel:4");
        s.losses = {"mse", "top1"};
        s.subset = 77;
        s.seed = 5;
        s.temperature = 1.5;
        s.batch = 40;
        const QJsonObject o = s.toJson();
        QCOMPARE(o.value("unit").toString(), QString("scale_fraction"));
        QCOMPARE(o.value("direction").toString(), QString("channel:4"));
        const LandscapeSettings r = LandscapeSettings::fromJson(o);
        QCOMPARE(r.block, 3);
        QCOMPARE(r.quantizer, s.quantizer);
        QCOMPARE(r.dims, 2);
        QCOMPARE(r.points, 9);
        QCOMPARE(r.radius, 0.25);
        QCOMPARE(r.unit, RadiusUnit::ScaleFraction);
        QCOMPARE(r.direction, DirectionKind::Channel);
        QCOMPARE(r.channel, 4);
        QCOMPARE(r.losses, s.losses);
        QCOMPARE(r.subset, 77);
        QCOMPARE(r.seed, 5u);
        QCOMPARE(r.temperature, 1.5);
        QCOMPARE(r.batch, 40);
        QCOMPARE(r.toJson(), o);
    }

    void landscapeSettingsReadOlderUnitNames() {
        QCOMPARE(LandscapeSettings::fromJson(QJsonObject{{"unit", "fraction"}}).unit,
                 RadiusUnit::ScaleFraction);
        QCOMPARE(LandscapeSettings::fromJson(QJsonObject{{"unit", "r"}}).unit,
                 RadiusUnit::MutationRange);
        QVERIFY_THROWS_EXCEPTION(Error, LandscapeSettings::fromJson(QJsonObject{{"unit", "cm"}}));
        QVERIFY_THROWS_EXCEPTION(Error,
                                 LandscapeSettings::fromJson(QJsonObject{{"direction", "up"}}));
    }

    void landscapeSettingsValidate_data() {
        QTest::addColumn<QString>("field");
        QTest::addRow("dims") << "dims";
        QTest::addRow("points") << "points";
        QTest::addRow("radius") << "radius";
        QTest::addRow("no loss") << "no loss";
        QTest::addRow("unknown loss") << "unknown loss";
        QTest::addRow("toward nothing") << "toward nothing";
        QTest::addRow("block") << "block";
        QTest::addRow("batch") << "batch";
    }
    void landscapeSettingsValidate() {
        QFETCH(QString, field);
        LandscapeSettings s;
        s.validate();
        if (field == "dims") s.dims = 3;
        if (field == "points") s.points = 1;
        if (field == "radius") s.radius = 0;
        if (field == "no loss") s.losses.clear();
        if (field == "unknown loss") s.losses = {"infonce", "hinge"};
        if (field == "toward nothing") s.direction = DirectionKind::Toward;
        if (field == "block") s.block = -1;
        if (field == "batch") s.batch = 1;
        QVERIFY_THROWS_EXCEPTION(Error, s.validate());
    }

    // The live landscape's settings: the CLI's spec, the JSON form inside the search's, the
    // checks.
    void liveLandscapeSettings() {
        LiveLandscapeSettings l;
        QVERIFY(!l.enabled());
        QCOMPARE(l.spec(), QString("off"));
        l.setSpec("2d:9");
        QCOMPARE(l.dims, 2);
        QCOMPARE(l.points, 9);
        QCOMPARE(l.spec(), QString("2d:9"));
        l.setSpec("1d");  // the points stay
        QCOMPARE(l.dims, 1);
        QCOMPARE(l.points, 9);
        l.setSpec("off");
        QVERIFY(!l.enabled());
        for (const char* bad : {"3d:5", "1d:x", "1d:4", "1d:1", "on"})
            QVERIFY2(!test::errorOf([&] { LiveLandscapeSettings().setSpec(bad); }).isEmpty(), bad);
        QVERIFY(test::errorOf([] {
                    LiveLandscapeSettings::axesFromName("sideways");
                }).contains("random, mutation, best"));

        SearchSettings s;
        s.live.dims = 1;
        s.live.points = 31;
        s.live.radius = 0.5;
        s.live.axes = LiveAxes::TowardBest;
        s.live.share = 2.5;
        s.live.subset = 64;
        const QJsonObject o = s.toJson();
        const QJsonObject live = o.value("live_landscape").toObject();
        QCOMPARE(live.value("axes").toString(), QString("best"));
        const SearchSettings r = SearchSettings::fromJson(o);
        QCOMPARE(r.live.dims, 1);
        QCOMPARE(r.live.points, 31);
        QCOMPARE(r.live.radius, 0.5);
        QCOMPARE(r.live.axes, LiveAxes::TowardBest);
        QCOMPARE(r.live.share, 2.5);
        QCOMPARE(r.live.subset, 64);
        QCOMPARE(r.toJson(), o);
        s.live.share = 0;
        QVERIFY(test::errorOf([&] { s.validate(); }).contains("share"));
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "TestSettings.moc"
