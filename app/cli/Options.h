#pragma once

#include "CliArgs.h"
#include "session/Session.h"
#include "types/QuantConfig.h"
#include "types/Settings.h"

namespace evolq::cli {

// Option groups shared by the commands, each with the function that reads it back.

// --model DIR (default: the bundled model)
void addModelOption(CliArgs& a);
QString modelArg(const CliArgs& a);

// --calib and the baseline quantization flags: --wbits, --abits, observers, signedness, PTF,
// log2 softmax, bias correction, --calib-size, --calib-batch, --seed.
void addQuantOptions(CliArgs& a);
QuantConfig quantConfigFrom(const CliArgs& a);
QString calibArg(const CliArgs& a);

// The Evol-Q search flags: --passes, --cycles, --population, --samples, --mutation,
// --relative-mutation, --loss, --temperature, --fitness-batch, --val-subset.
void addSearchOptions(CliArgs& a);
SearchSettings searchSettingsFrom(const CliArgs& a, unsigned seed);

// A session with the model (--model) loaded and the calibration folder (--calib) set.
void openSession(Session& s, const CliArgs& a);
// Calibrates the baseline in the session, printing progress, skipped files and the time.
QuantizeSummary quantizeIn(Session& s, const QuantConfig& cfg);

}  // namespace evolq::cli
