// `evolq`: the headless command line over the same core as the workbench.
#include <QApplication>
#include <QCoreApplication>
#include <cstdio>
#include <memory>

#include "Commands.h"
#include "common/Error.h"
#include "common/Version.h"
#include "model/Runtime.h"

using namespace evolq;

static void printHelp() {
    QString s =
        QString(
            "evolq %1 - post-training quantization of Vision Transformers with Evol-Q\n\n"
            "Usage: evolq <command> [options]   (evolq <command> --help for its options)\n\n"
            "Commands:\n")
            .arg(EVOLQ_VERSION);
    for (const cli::Command& c : cli::commands())
        s += QString("  %1%2\n").arg(c.name, -24).arg(c.summary);
    s += "\nOptions:\n  --version               print the version\n  --help                  print "
         "this help\n"
         "\nEnvironment: EVOLQ_THREADS sets the number of compute threads (default: one per "
         "core).\n";
    std::fputs(s.toLocal8Bit().constData(), stdout);
}

int main(int argc, char** argv) {
    // Drawing plots (landscape --png) needs a GUI application; a headless machine draws offscreen.
    bool needsGui = false;
    for (int i = 1; i < argc; ++i) needsGui |= std::string(argv[i]) == "--png";
    if (needsGui && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> appPtr(needsGui ? new QApplication(argc, argv)
                                                      : new QCoreApplication(argc, argv));
    QCoreApplication& app = *appPtr;
    QCoreApplication::setOrganizationName("evolq");
    QCoreApplication::setApplicationName("evolq");
    QCoreApplication::setApplicationVersion(EVOLQ_VERSION);
    QStringList args = app.arguments().mid(1);
    if (args.isEmpty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printHelp();
        return args.isEmpty() ? 2 : 0;
    }
    if (args[0] == "--version" || args[0] == "-v") {
        initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
        std::printf("evolq %s (%s)\n", EVOLQ_VERSION,
                    runtimeDescription().toLocal8Bit().constData());
        return 0;
    }
    const QString name = args.takeFirst();
    for (const cli::Command& c : cli::commands()) {
        if (c.name != name) continue;
        try {
            initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
            return c.run(args);
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "error: unknown command '%s' (see evolq --help)\n",
                 name.toLocal8Bit().constData());
    return 2;
}
