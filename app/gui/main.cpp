// `evolq-workbench`: the desktop workbench.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QMetaEnum>
#include <cstdio>
#include <memory>

#include "InspectionTour.h"
#include "LandscapeControls.h"
#include "MainWindow.h"
#include "PresentationWindow.h"
#include "QuantPanel.h"
#include "ScriptedSession.h"
#include "SearchPanel.h"
#include "common/Error.h"
#include "common/Version.h"
#include "model/Runtime.h"

namespace {

// --demo-loops: one line per step of the lesson and one per loop (from one quantization to the
// next), then quits after `loops` loops.
void timeDemo(evolq::PresentationWindow* pw, int loops) {
    using Step = evolq::PresentationWindow::Step;
    struct Clock {
        QElapsedTimer loop, step;
        Step last = Step::Ready;
        bool started = false;
    };
    auto c = std::make_shared<Clock>();
    const QMetaEnum names = QMetaEnum::fromType<Step>();
    QObject::connect(pw, &evolq::PresentationWindow::stepChanged, pw, [=](Step s) {
        if (c->started)
            std::printf("demo: %-10s %6.1f s\n", names.valueToKey(int(c->last)),
                        c->step.elapsed() / 1000.0);
        if (s == Step::Quantizing) {
            if (c->started) {
                std::printf("demo: loop %d took %.1f s\n", pw->loopsDone(),
                            c->loop.elapsed() / 1000.0);
                if (pw->loopsDone() >= loops) {
                    std::fflush(stdout);
                    QCoreApplication::exit(0);
                    return;
                }
            }
            c->loop.start();
            c->started = true;
        }
        std::fflush(stdout);
        c->last = s;
        c->step.start();
    });
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("evolq");
    QApplication::setApplicationName("evolq-workbench");
    QApplication::setApplicationDisplayName("Evol-Q Workbench");
    QApplication::setApplicationVersion(EVOLQ_VERSION);
    QCommandLineParser p;
    p.setApplicationDescription(
        "Evol-Q Workbench: quantize Vision Transformers and see why it is hard.");
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument("MODEL_DIR", "model folder to open (default: the bundled model)");
    const QCommandLineOption calib(
        "calib", "calibration image folder (default: data/fashion-mnist/calib)", "DIR");
    const QCommandLineOption val("val", "validation image folder (default: data/fashion-mnist/val)",
                                 "DIR");
    const QCommandLineOption settings(
        "settings", "keep settings in this INI file instead of the user's", "FILE");
    const QCommandLineOption probe(
        "probe",
        "record the GUI thread's 5 ms timer gaps during each search and write p50/p99/max "
        "here as JSON (also: EVOLQ_PROBE=FILE)",
        "FILE");
    const QCommandLineOption run("run-search",
                                 "quantize, search with the panel's settings, and quit");
    const QCommandLineOption shots(
        "screenshot-dir", "quantize, search, run a 2-D landscape, save screenshots here, and quit",
        "DIR");
    const QCommandLineOption passes("passes", "search passes P (overrides the saved setting)", "P");
    const QCommandLineOption cycles("cycles",
                                    "cycles per block visit K (overrides the saved setting)", "K");
    const QCommandLineOption calibSize("calib-size",
                                       "calibration images (overrides the saved setting)", "N");
    const QCommandLineOption valSubset("val-subset",
                                       "validation subset for live accuracy (overrides)", "N");
    const QCommandLineOption points(
        "landscape-points", "points per axis of the screenshot session's 2-D landscape", "N", "21");
    const QCommandLineOption live("live-landscape",
                                  "live landscape during the search: off, 1d:N or 2d:N (overrides)",
                                  "SPEC");
    const QCommandLineOption liveShare(
        "live-share", "live landscape time at most X times the search's (overrides)", "X");
    const QCommandLineOption liveAxes(
        "live-axes", "live landscape axes: random, mutation, best (overrides)", "NAME");
    const QCommandLineOption present("present",
                                     "presentation mode: large type, one landscape, one Start");
    const QCommandLineOption demo(
        "demo", "with --present: run the lesson unattended, in a loop (Esc leaves)");
    const QCommandLineOption demoLoops(
        "demo-loops",
        "with --demo: print how long each step and each loop took, and quit after N loops", "N");
    const QCommandLineOption tour(
        "inspection-shots",
        "quantize, then sensitivity, two runs in the history, a tried landscape point and the "
        "presentation's lesson; save screenshots here, and quit",
        "DIR");
    p.addOptions({calib, val, settings, probe, run, shots, passes, cycles, calibSize, valSubset,
                  points, live, liveShare, liveAxes, present, demo, demoLoops, tour});
    p.process(app);
    evolq::initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));

    evolq::MainWindow::Options options;
    options.settingsFile = p.value(settings);
    options.probeFile = p.isSet(probe) ? p.value(probe) : qEnvironmentVariable("EVOLQ_PROBE");
    evolq::MainWindow w(options);
    // Command-line values win over the saved settings, for this session.
    evolq::SearchSettings s = w.searchPanel()->settings();
    if (p.isSet(passes)) s.passes = p.value(passes).toInt();
    if (p.isSet(cycles)) s.cycles = p.value(cycles).toInt();
    if (p.isSet(valSubset)) s.valSubset = p.value(valSubset).toInt();
    try {
        if (p.isSet(live)) s.live.setSpec(p.value(live));
        if (p.isSet(liveShare)) s.live.share = p.value(liveShare).toDouble();
        if (p.isSet(liveAxes))
            s.live.axes = evolq::LiveLandscapeSettings::axesFromName(p.value(liveAxes));
        s.live.validate();
    } catch (const evolq::Error& e) {
        std::fprintf(stderr, "evolq-workbench: %s\n", qPrintable(e.message()));
        return 2;
    }
    w.searchPanel()->setSettings(s);
    if (p.isSet(calibSize)) {
        evolq::QuantConfig c = w.quantPanel()->config();
        c.calibImages = p.value(calibSize).toInt();
        w.quantPanel()->setConfig(c);
    }
    if (p.isSet(shots) || p.isSet(tour)) w.resize(1600, 1000);
    const bool presenting = p.isSet(present) || p.isSet(demo);
    if (!presenting) w.show();  // presentation mode shows the workbench when it is left
    w.openStartup(p.positionalArguments().value(0), p.value(calib), p.value(val));
    if (presenting) {
        evolq::PresentationWindow* pw = w.openPresentation(p.isSet(demo));
        if (p.isSet(demoLoops)) timeDemo(pw, std::max(1, p.value(demoLoops).toInt()));
    }

    std::unique_ptr<evolq::InspectionTour> inspection;
    if (p.isSet(tour)) {
        inspection = std::make_unique<evolq::InspectionTour>(&w, p.value(tour));
        inspection->start();
    }
    std::unique_ptr<evolq::ScriptedSession> session;
    if (p.isSet(shots) || p.isSet(run)) {
        evolq::ScriptedSession::Settings t;
        t.screenshotDir = p.value(shots);
        t.landscapePoints = std::max(3, p.value(points).toInt());
        session = std::make_unique<evolq::ScriptedSession>(&w, t);
        session->start();
    }
    return app.exec();
}
