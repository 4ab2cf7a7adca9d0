#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace evolq {

enum class ObserverKind { MinMax, Ema, Percentile, Omse };
QString observerName(ObserverKind k);
QList<ObserverKind> observerKinds();  // in enum order
// Throws evolq::Error for an unknown name.
ObserverKind observerFromName(const QString& name);

// Every knob of the baseline post-training quantization. Defaults follow the Evol-Q reference run:
// weights uint per channel with min/max; activations uint8 per tensor with OMSE; PTF on; log2 off;
// except the weight bits: 2, not 4, because the bundled model loses only 0.3-0.4 points at 3 and 4
// bits and there would be nothing for the search to win back (README: "The default").
// Signed types are quantized symmetrically, unsigned asymmetrically (as FQ-ViT does). 0 bits = off.
struct QuantConfig {
    int weightBits = 2;
    bool weightSigned = false;
    ObserverKind weightObserver = ObserverKind::MinMax;
    int actBits = 8;
    bool actSigned = false;
    ObserverKind actObserver = ObserverKind::Omse;
    bool ptf = true;
    bool log2Softmax = false;
    bool biasCorrection = false;
    int calibImages = 1000;
    int calibBatch = 100;
    unsigned seed = 0;

    QString label() const;  // "W2A8"
    QJsonObject toJson() const;
    // Throws evolq::Error naming `source` on a bad or missing field.
    static QuantConfig fromJson(const QJsonObject& o, const QString& source);
    bool operator==(const QuantConfig& o) const { return toJson() == o.toJson(); }
};

}  // namespace evolq
