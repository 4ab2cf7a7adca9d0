#include <QtTest>

#include "CliArgs.h"
#include "Options.h"
#include "TestErrors.h"
#include "common/Error.h"

using namespace evolq;
using evolq::cli::CliArgs;

namespace {

using evolq::test::errorOf;

// The commands' parsers, built as each command builds its own.
struct Demo : CliArgs {
    Demo() : CliArgs("demo", "A command for the test.") {
        option("out", "file to write", "FILE");
        option("count", "a whole number", "N", "5");
        option("ratio", "a number", "R", "0.5");
        option("name", "a string with a default", "NAME", "plain");
        flag("verbose", "talk more");
        positional("input", "an input");
    }
};

struct QuantArgs : CliArgs {
    QuantArgs() : CliArgs("quantize", "quantization options") {
        cli::addModelOption(*this);
        cli::addQuantOptions(*this);
    }
};

struct SearchArgs : CliArgs {
    SearchArgs() : CliArgs("search", "search options") { cli::addSearchOptions(*this); }
};

}  // namespace

class TestCliArgs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void optionsFlagsAndPositionals() {
        Demo a;
        QVERIFY(a.parse(
            {"--out", "o.json", "--count", "12", "--ratio=0.25", "--verbose", "in1", "in2"}));
        QVERIFY(a.isSet("out"));
        QCOMPARE(a.str("out"), QString("o.json"));
        QCOMPARE(a.required("out"), QString("o.json"));
        QCOMPARE(a.integer("count", 0, 100), 12);
        QCOMPARE(a.number("ratio", 0, 1), 0.25);
        QVERIFY(a.isSet("verbose"));
        QCOMPARE(a.positionals(), (QStringList{"in1", "in2"}));
        // Unset: defaults, flags off.
        QVERIFY(!a.isSet("name"));
        QCOMPARE(a.str("name"), QString("plain"));
        QCOMPARE(a.required("name"), QString("plain"));  // a default satisfies "required"

        Demo b;
        QVERIFY(b.parse({}));
        QVERIFY(!b.isSet("verbose"));
        QVERIFY(!b.isSet("out"));
        QCOMPARE(b.integer("count", 0, 100), 5);
        QCOMPARE(b.number("ratio", 0, 1), 0.5);
        QVERIFY(b.positionals().isEmpty());
        // Single-dash words are long options.
        Demo c;
        QVERIFY(c.parse({"-count", "7", "-verbose"}));
        QCOMPARE(c.integer("count", 0, 100), 7);
        QVERIFY(c.isSet("verbose"));
        QVERIFY(Demo().helpText().contains("--count"));
        // The usage line names the command, not the path of the binary that runs it.
        const QString help = Demo().helpText();
        QVERIFY2(help.startsWith("Usage: evolq demo "), qPrintable(help));
    }

    void requiredMissingNamesTheOption() {
        Demo a;
        QVERIFY(a.parse({"--count", "3"}));
        const QString msg = errorOf([&] { a.required("out"); });
        QVERIFY2(msg.contains("--out") && msg.contains("required"), qPrintable(msg));
        QVERIFY2(msg.contains("demo"), qPrintable(msg));
    }

    void badNumbersNameTheOptionAndTheValue() {
        struct Case {
            QStringList args;
            QString option, value;
            bool integer;
        } cases[] = {
            {{"--count", "101"}, "--count", "101", true},
            {{"--count", "-1"}, "--count", "-1", true},
            {{"--count", "many"}, "--count", "many", true},
            {{"--count", "2.5"}, "--count", "2.5", true},
            {{"--count", ""}, "--count", "", true},
            {{"--ratio", "1.5"}, "--ratio", "1.5", false},
            {{"--ratio", "-0.1"}, "--ratio", "-0.1", false},
            {{"--ratio", "half"}, "--ratio", "half", false},
            {{"--ratio", "nan"}, "--ratio", "nan", false},
        };
        for (const Case& c : cases) {
            Demo a;
            QVERIFY(a.parse(c.args));
            const QString msg = errorOf([&] {
                if (c.integer)
                    a.integer("count", 0, 100);
                else
                    a.number("ratio", 0, 1);
            });
            QVERIFY2(msg.contains(c.option) && msg.contains(QString("'%1'").arg(c.value)),
                     qPrintable(c.args.join(' ') + " -> " + msg));
        }
        // The bounds themselves are accepted.
        Demo a;
        QVERIFY(a.parse({"--count", "100", "--ratio", "0"}));
        QCOMPARE(a.integer("count", 0, 100), 100);
        QCOMPARE(a.number("ratio", 0, 1), 0.0);
    }

    void unknownOptionIsAnError() {
        Demo a;
        const QString msg = errorOf([&] { a.parse({"--frobnicate", "1"}); });
        QVERIFY2(msg.contains("frobnicate") && msg.contains("demo"), qPrintable(msg));
        Demo b;
        const QString missing = errorOf([&] { b.parse({"--out"}); });  // value missing
        QVERIFY2(missing.contains("out"), qPrintable(missing));
    }

    void quantConfigReadsEveryFlag() {
        const QuantConfig d;
        {
            QuantArgs a;
            QVERIFY(a.parse({}));
            QCOMPARE(cli::quantConfigFrom(a).toJson(), d.toJson());
        }
        QuantArgs a;
        QVERIFY(a.parse({"--wbits", "3", "--abits", "6", "--observer", "percentile",
                         "--weight-observer", "ema", "--signed-weights", "--signed-acts",
                         "--no-ptf", "--log2-softmax", "--bias-correction", "--calib-size", "77",
                         "--calib-batch", "11", "--seed", "9"}));
        const QuantConfig c = cli::quantConfigFrom(a);
        QCOMPARE(c.weightBits, 3);
        QCOMPARE(c.actBits, 6);
        QCOMPARE(c.actObserver, ObserverKind::Percentile);
        QCOMPARE(c.weightObserver, ObserverKind::Ema);
        QVERIFY(c.weightSigned);
        QVERIFY(c.actSigned);
        QVERIFY(!c.ptf);
        QVERIFY(c.log2Softmax);
        QVERIFY(c.biasCorrection);
        QCOMPARE(c.calibImages, 77);
        QCOMPARE(c.calibBatch, 11);
        QCOMPARE(c.seed, 9u);
        // Every default was overridden: no field left as it was.
        const QJsonObject got = c.toJson(), def = d.toJson();
        for (const QString& key : got.keys())
            if (key != "weight_granularity" && key != "act_granularity")
                QVERIFY2(got.value(key) != def.value(key), qPrintable(key));

        // Float (0 bits) is allowed; 1 bit and out-of-range values are not.
        QuantArgs f;
        QVERIFY(f.parse({"--wbits", "0", "--abits", "0"}));
        QCOMPARE(cli::quantConfigFrom(f).weightBits, 0);
        for (const QStringList& bad : {QStringList{"--wbits", "1"}, QStringList{"--abits", "1"},
                                       QStringList{"--wbits", "9"}, QStringList{"--abits", "x"}}) {
            QuantArgs b;
            QVERIFY(b.parse(bad));
            const QString msg = errorOf([&] { cli::quantConfigFrom(b); });
            QVERIFY2(msg.contains(bad[0]), qPrintable(bad.join(' ') + " -> " + msg));
        }
        QuantArgs o;
        QVERIFY(o.parse({"--observer", "median"}));
        const QString msg = errorOf([&] { cli::quantConfigFrom(o); });
        QVERIFY2(msg.contains("median"), qPrintable(msg));
    }

    void searchSettingsReadEveryFlag() {
        const SearchSettings d;
        {
            SearchArgs a;
            QVERIFY(a.parse({}));
            QCOMPARE(cli::searchSettingsFrom(a, 0).toJson(), d.toJson());
        }
        SearchArgs a;
        QVERIFY(a.parse({"--passes",
                         "4",
                         "--cycles",
                         "6",
                         "--population",
                         "12",
                         "--samples",
                         "5",
                         "--mutation",
                         "0.002",
                         "--relative-mutation",
                         "--loss",
                         "cosine",
                         "--temperature",
                         "1.5",
                         "--fitness-batch",
                         "32",
                         "--val-subset",
                         "64",
                         "--live-landscape",
                         "2d:9",
                         "--live-radius",
                         "0.5",
                         "--live-axes",
                         "best",
                         "--live-share",
                         "2",
                         "--live-subset",
                         "32",
                         "--strategy",
                         "random",
                         "--genome",
                         "weights",
                         "--mixed-precision",
                         "4",
                         "--sim-candidates",
                         "50",
                         "--rec-steps",
                         "7"}));
        const SearchSettings s = cli::searchSettingsFrom(a, 17);
        QCOMPARE(strategyName(s.strategy), QString("random"));
        QCOMPARE(genomeName(s.genome), QString("weights"));
        QCOMPARE(s.mixedPrecision, 4.0);
        QCOMPARE(s.similarity.candidates, 50);
        QCOMPARE(s.reconstruct.steps, 7);
        QCOMPARE(s.live.dims, 2);
        QCOMPARE(s.live.points, 9);
        QCOMPARE(s.live.radius, 0.5);
        QCOMPARE(s.live.axes, LiveAxes::TowardBest);
        QCOMPARE(s.live.share, 2.0);
        QCOMPARE(s.live.subset, 32);
        QCOMPARE(s.passes, 4);
        QCOMPARE(s.cycles, 6);
        QCOMPARE(s.population, 12);
        QCOMPARE(s.samples, 5);
        QCOMPARE(s.mutationRange, 0.002);
        QVERIFY(s.relativeMutation);
        QCOMPARE(s.fitness.loss, LossKind::Cosine);
        QCOMPARE(s.fitness.temperature, 1.5);
        QCOMPARE(s.fitness.batch, 32);
        QCOMPARE(s.valSubset, 64);
        QCOMPARE(s.seed, 17u);
        QVERIFY(s.outputPath.isEmpty());
        // Every search flag overrode its default.
        const QJsonObject got = s.toJson(), def = d.toJson();
        for (const QString& key : got.keys())
            if (key != "from_baseline" && key != "final_evaluation")
                QVERIFY2(got.value(key) != def.value(key), qPrintable(key));

        SearchArgs l;
        QVERIFY(l.parse({"--loss", "hinge"}));
        const QString msg = errorOf([&] { cli::searchSettingsFrom(l, 0); });
        QVERIFY2(msg.contains("hinge"), qPrintable(msg));
        for (const QStringList& bad :
             {QStringList{"--live-landscape", "1d:4"}, QStringList{"--live-axes", "sideways"},
              QStringList{"--live-share", "0"}}) {
            SearchArgs b;
            QVERIFY(b.parse(bad));
            const QString why = errorOf([&] { cli::searchSettingsFrom(b, 0); });
            QVERIFY2(!why.isEmpty(), qPrintable(bad.join(' ')));
        }
        for (const QStringList& bad :
             {QStringList{"--passes", "0"}, QStringList{"--fitness-batch", "1"},
              QStringList{"--temperature", "0"}, QStringList{"--mutation", "-1"},
              QStringList{"--val-subset", "-5"}}) {
            SearchArgs b;
            QVERIFY(b.parse(bad));
            const QString m = errorOf([&] { cli::searchSettingsFrom(b, 0); });
            QVERIFY2(m.contains(bad[0]) && m.contains(bad[1]),
                     qPrintable(bad.join(' ') + " -> " + m));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliArgs)
#include "TestCliArgs.moc"
