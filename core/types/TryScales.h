#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>
#include <limits>

namespace evolq {

// One validation image of the sample grid: its label and the FP32 and quantized predictions.
struct SamplePrediction {
    QString file;
    int label = -1;
    int fp32 = -1;
    int quantized = -1;
    bool changed() const { return fp32 != quantized; }
};

// "Try these scales" at a point (a, b) of a landscape: the model holds those scales now.
struct TryResult {
    double a = 0, b = 0;
    int block = 0;
    QStringList losses;      // the landscape's quantities, as it was run
    QVector<double> values;  // their values at the point, on the landscape's calibration images
    int valImages = 0;       // 0: no validation subset
    double top1 = std::numeric_limits<double>::quiet_NaN();  // quantized, validation subset
    double fp32Top1 = std::numeric_limits<double>::quiet_NaN();
    QStringList classes;
    QVector<SamplePrediction> samples;
    double milliseconds = 0;  // the whole step: set the scales, measure everything
};

}  // namespace evolq

Q_DECLARE_METATYPE(evolq::TryResult)
