#include "types/QuantConfig.h"

#include "common/Error.h"

namespace evolq {

QString observerName(ObserverKind k) {
    switch (k) {
        case ObserverKind::MinMax:
            return "minmax";
        case ObserverKind::Ema:
            return "ema";
        case ObserverKind::Percentile:
            return "percentile";
        case ObserverKind::Omse:
            return "omse";
    }
    return "minmax";
}

QList<ObserverKind> observerKinds() {
    return {ObserverKind::MinMax, ObserverKind::Ema, ObserverKind::Percentile, ObserverKind::Omse};
}

ObserverKind observerFromName(const QString& name) {
    for (ObserverKind k : observerKinds())
        if (observerName(k) == name) return k;
    throw Error(QString("unknown observer '%1' (minmax, ema, percentile, omse)").arg(name));
}

QString QuantConfig::label() const {
    auto part = [](int b) { return b > 0 ? QString::number(b) : QString("32"); };
    return QString("W%1A%2").arg(part(weightBits), part(actBits));
}

QJsonObject QuantConfig::toJson() const {
    return QJsonObject{{"weight_bits", weightBits},
                       {"weight_signed", weightSigned},
                       {"weight_granularity", "per_channel"},
                       {"weight_observer", observerName(weightObserver)},
                       {"act_bits", actBits},
                       {"act_signed", actSigned},
                       {"act_granularity", "per_tensor"},
                       {"act_observer", observerName(actObserver)},
                       {"ptf", ptf},
                       {"log2_softmax", log2Softmax},
                       {"bias_correction", biasCorrection},
                       {"calib_images", calibImages},
                       {"calib_batch", calibBatch},
                       {"seed", static_cast<qint64>(seed)}};
}

QuantConfig QuantConfig::fromJson(const QJsonObject& o, const QString& source) {
    auto need = [&](const char* key) {
        if (!o.contains(key)) throw Error(QString("%1: quant_config lacks '%2'").arg(source, key));
        return o.value(key);
    };
    QuantConfig c;
    c.weightBits = need("weight_bits").toInt(-1);
    c.weightSigned = need("weight_signed").toBool();
    c.actBits = need("act_bits").toInt(-1);
    c.actSigned = need("act_signed").toBool();
    auto bitsOk = [](int b) { return b == 0 || (b >= 2 && b <= 8); };
    if (!bitsOk(c.weightBits) || !bitsOk(c.actBits))
        throw Error(QString("%1: quant_config bits must be 0 (off) or 2..8").arg(source));
    try {
        c.weightObserver = observerFromName(need("weight_observer").toString());
        c.actObserver = observerFromName(need("act_observer").toString());
    } catch (const Error& e) {
        throw Error(QString("%1: %2").arg(source, e.message()));
    }
    c.ptf = need("ptf").toBool();
    c.log2Softmax = need("log2_softmax").toBool();
    c.biasCorrection = o.value("bias_correction").toBool(false);
    c.calibImages = need("calib_images").toInt();
    c.calibBatch = need("calib_batch").toInt();
    c.seed = static_cast<unsigned>(need("seed").toInteger());
    return c;
}

}  // namespace evolq
