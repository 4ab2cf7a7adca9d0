#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "model/Runtime.h"

namespace evolq::cli {

int cmdInfo(const QStringList& args) {
    CliArgs a("info", "Describe a model folder (config.json + model.safetensors).");
    a.positional("MODEL_DIR", "model folder (default: the bundled model)");
    a.flag("json", "print JSON");
    if (!a.parse(args)) return 0;
    Session s;
    const ModelSummary m = s.loadModel(a.positionals().value(0, defaultModelDir()));
    if (a.isSet("json")) {
        printJson(m.info.toJson());
    } else {
        for (const auto& row : m.rows)
            out(QString("%1 %2").arg(row.first + ":", -14).arg(row.second));
    }
    return 0;
}

}  // namespace evolq::cli
