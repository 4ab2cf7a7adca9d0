#pragma once

// Plain data that comes out of the session: the worker's state, summaries of the model, the data,
// the quantizers and the baseline, landscape and comparison results, and what an export holds.
// No torch here, so that widgets/ and app/ can use them.

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>
#include <limits>

#include "types/Events.h"
#include "types/ModelInfo.h"
#include "types/QuantConfig.h"
#include "types/Settings.h"

namespace evolq {

// What the worker is doing; the GUI enables its actions from this alone.
// Progress during Searching and Paused counts fitness evaluations; otherwise images or points.
enum class WorkerState {
    Idle,
    Loading,
    Quantizing,
    Searching,
    Paused,
    Evaluating,
    Landscape,
    Exporting
};
inline QString workerStateName(WorkerState s) {
    switch (s) {
        case WorkerState::Idle:
            return "idle";
        case WorkerState::Loading:
            return "loading";
        case WorkerState::Quantizing:
            return "quantizing";
        case WorkerState::Searching:
            return "searching";
        case WorkerState::Paused:
            return "paused";
        case WorkerState::Evaluating:
            return "evaluating";
        case WorkerState::Landscape:
            return "landscape";
        case WorkerState::Exporting:
            return "exporting";
    }
    return "idle";
}

// A loaded model as the model panel shows it.
struct ModelSummary {
    ModelInfo info;
    QStringList layerNames;               // weight quantizers are named layer + ".weight"
    QStringList pointNames;               // activation quantizers carry these names
    QList<QPair<QString, QString>> rows;  // info.summaryRows(), for widgets that cannot link core
};

// One quantizer with statistics of its scales, for the model tree and the export dialog.
struct QuantizerSummary {
    QString name;
    bool weight = true;
    int block = -1;         // -1 outside the transformer blocks
    bool searched = false;  // part of an Evol-Q genome (attention qkv / proj weights)
    int bits = 0;           // 0 = off
    bool isSigned = false;
    bool perChannel = false;
    bool log2 = false;
    QString observer;
    int channels = 0;
    double scaleMin = 0, scaleMean = 0, scaleMax = 0;
    double zeroMin = 0, zeroMax = 0;
};

// One image folder after scanning (and decoding, where the model is known).
struct DataSummary {
    QString folder;
    int images = 0;   // files in the folder
    int decoded = 0;  // images decoded for use (calibration set / validation subset); 0 = not yet
    QStringList classes;
    QStringList failed;      // relative paths that failed to decode
    QStringList thumbnails;  // a few image paths, one per class where possible
    QString note;            // e.g. why accuracy cannot be measured on this folder
};

// The result of "Quantize": the baseline, measured on the validation subset.
struct QuantizeSummary {
    QString label;  // "W4A8"
    QuantConfig config;
    int calibImages = 0;
    double seconds = 0;
    int valImages = 0;  // 0 = no validation subset
    double fp32Top1 = std::numeric_limits<double>::quiet_NaN();
    double baselineTop1 = std::numeric_limits<double>::quiet_NaN();
    QString source;  // "baseline" or the scale file it was loaded from
    QVector<QuantizerSummary> quantizers;
};

struct LandscapeSummary {
    LandscapeStart start;
    QVector<Jaggedness> jaggedness;  // per loss, in start.losses order
    double seconds = 0;
    bool cancelled = false;
};

enum class ExportFormat { Native, Aimet, Csv };
inline QString exportFormatName(ExportFormat f) {
    return f == ExportFormat::Aimet ? "aimet" : f == ExportFormat::Csv ? "csv" : "native";
}
inline QString exportFormatSuffix(ExportFormat f) {
    return f == ExportFormat::Aimet ? "encodings" : f == ExportFormat::Csv ? "csv" : "json";
}

// Which quantizers an export holds. The native format always holds every quantizer so that it can
// be loaded back; the selection applies to AIMET and CSV.
struct ScaleSelection {
    bool weights = true;
    bool activations = true;
    bool searchedOnly = false;  // only the weights an Evol-Q genome holds
    QStringList names;          // when non-empty: exactly these
    bool accepts(const QuantizerSummary& q) const {
        if (!names.isEmpty()) return names.contains(q.name);
        if (searchedOnly) return q.searched;
        return q.weight ? weights : activations;
    }
};

// An imported scale file set beside the current scales.
struct ScaleComparison {
    QString source;
    QString label;
    QVector<QVector<double>> perBlock;  // imported / current - 1 over each block's genome
    double maxAbsChange = 0;            // over every quantizer's scales
    int quantizersDiffering = 0;
    double currentTop1 = std::numeric_limits<double>::quiet_NaN();
    double importedTop1 = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace evolq

Q_DECLARE_METATYPE(evolq::WorkerState)
Q_DECLARE_METATYPE(evolq::ModelSummary)
Q_DECLARE_METATYPE(evolq::DataSummary)
Q_DECLARE_METATYPE(evolq::QuantizeSummary)
Q_DECLARE_METATYPE(evolq::LandscapeSummary)
Q_DECLARE_METATYPE(evolq::ScaleComparison)
Q_DECLARE_METATYPE(evolq::ExportFormat)
Q_DECLARE_METATYPE(evolq::ScaleSelection)
Q_DECLARE_METATYPE(evolq::QuantizerSummary)
