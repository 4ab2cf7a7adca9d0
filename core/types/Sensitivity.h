#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QTextStream>
#include <QVector>
#include <limits>

#include "types/Settings.h"

namespace evolq {

// Layer sensitivity: every quantizer alone (everything else in float) on a calibration subset.
struct SensitivitySettings {
    int images = 256;  // calibration images used (0 = the whole calibration set)
    FitnessSettings fitness;
    QJsonObject toJson() const;
};

struct SensitivityRow {
    QString name;
    bool weight = true;
    int block = -1;  // -1 for the embedding, the model's depth for the head
    int bits = 0;
    // Loss (against the float model's outputs) with only this quantizer on, minus the float
    // model's own loss.
    double lossIncrease = std::numeric_limits<double>::quiet_NaN();
    // Signal-to-quantization-noise ratio in dB: weights over the weight tensor, activations over
    // that point's values on the calibration images.
    double sqnrDb = std::numeric_limits<double>::quiet_NaN();
};

struct SensitivityResult {
    QVector<SensitivityRow> rows;  // in quantizer order: weights, then activations
    QString loss;
    int images = 0;
    double floatLoss = 0;
    double seconds = 0;
    bool cancelled = false;
};

// The sensitivity CSV: "# evolq sensitivity {...}" provenance, then
// quantizer,kind,block,bits,loss_increase,sqnr_db, one row per quantizer.
void writeSensitivityCsv(QTextStream& out, const SensitivityResult& r,
                         const QJsonObject& provenance);

}  // namespace evolq

Q_DECLARE_METATYPE(evolq::SensitivityResult)
Q_DECLARE_METATYPE(evolq::SensitivitySettings)
