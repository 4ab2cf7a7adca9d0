// `evolq-workbench`: the desktop workbench.
#include <QApplication>
#include <QCommandLineParser>

#include "MainWindow.h"
#include "Runtime.h"
#include "Version.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("evolq");
    QApplication::setApplicationName("evolq-workbench");
    QApplication::setApplicationDisplayName("Evol-Q Workbench");
    QApplication::setApplicationVersion(EVOLQ_VERSION);
    QCommandLineParser p;
    p.setApplicationDescription("Evol-Q Workbench: quantize Vision Transformers and see why it is hard.");
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument("MODEL_DIR", "model folder to open (default: the bundled model)");
    p.process(app);
    evolq::initRuntime(qEnvironmentVariableIntValue("EVOLQ_THREADS"));
    evolq::MainWindow w;
    w.show();
    w.openModel(p.positionalArguments().value(0, evolq::defaultModelDir()));
    return app.exec();
}
