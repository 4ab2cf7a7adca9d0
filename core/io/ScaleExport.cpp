#include "io/ScaleExport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <cmath>

#include "common/AtomicFile.h"
#include "common/Csv.h"
#include "common/Error.h"
#include "io/ScaleFile.h"
#include "quant/QuantizedVit.h"

namespace evolq {

namespace {

std::vector<float> values(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().contiguous().to(torch::kFloat32);
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

QuantizerSummary summaryOf(const FakeQuantizer& fq) {
    static const QRegularExpression blockName(R"(^blocks\.(\d+)\.(.*)$)");
    QuantizerSummary s;
    s.name = fq.name();
    s.weight = fq.isWeight();
    const QRegularExpressionMatch m = blockName.match(fq.name());
    if (m.hasMatch()) {
        s.block = m.captured(1).toInt();
        s.searched =
            s.weight && (m.captured(2) == "attn.qkv.weight" || m.captured(2) == "attn.proj.weight");
    }
    s.bits = fq.bits().bits;
    s.isSigned = fq.bits().isSigned;
    s.perChannel = fq.granularity() == Granularity::PerChannel;
    s.log2 = fq.log2();
    s.observer = fq.isWeight() || !fq.ptf() ? observerName(fq.observer()) : QString("ptf");
    if (!fq.calibrated()) return s;
    const std::vector<float> sc = values(fq.scale()), zp = values(fq.zeroPoint());
    s.channels = static_cast<int>(sc.size());
    if (sc.empty()) return s;
    s.scaleMin = s.scaleMax = sc[0];
    double sum = 0;
    for (float v : sc) {
        s.scaleMin = std::min<double>(s.scaleMin, v);
        s.scaleMax = std::max<double>(s.scaleMax, v);
        sum += v;
    }
    s.scaleMean = sum / sc.size();
    s.zeroMin = s.zeroMax = zp.empty() ? 0 : zp[0];
    for (float v : zp) {
        s.zeroMin = std::min<double>(s.zeroMin, v);
        s.zeroMax = std::max<double>(s.zeroMax, v);
    }
    return s;
}

// A quantizer a foreign format can express: enabled, uniform, calibrated.
bool exportable(const FakeQuantizer& fq) {
    return fq.enabled() && !fq.log2() && fq.calibrated();
}

QString compact(const QJsonValue& v) {
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 17);
    if (v.isBool()) return v.toBool() ? "true" : "false";
    return v.toString();
}

}  // namespace

QVector<QuantizerSummary> ScaleExport::summarize(const QuantizedVit& q) {
    QVector<QuantizerSummary> out;
    out.reserve(q.quantizerCount());
    for (int i = 0; i < q.quantizerCount(); ++i) out.append(summaryOf(q.quantizer(i)));
    return out;
}

QJsonObject ScaleExport::aimetEncodings(const QuantizedVit& q, const ScaleSelection& sel,
                                        const QJsonObject& provenance) {
    QJsonArray params, activations, notExported;
    for (int i = 0; i < q.quantizerCount(); ++i) {
        const FakeQuantizer& fq = q.quantizer(i);
        if (!sel.accepts(summaryOf(fq))) continue;
        if (!exportable(fq)) {
            notExported.append(fq.name());
            continue;
        }
        const std::vector<float> sc = values(fq.scale()), zp = values(fq.zeroPoint());
        QJsonArray scales, offsets;
        for (size_t c = 0; c < sc.size(); ++c) {
            scales.append(static_cast<double>(sc[c]));
            offsets.append(fq.bits().lo() - static_cast<double>(zp[c]));
        }
        const QJsonObject entry{
            {"name", fq.name()},
            {"enc_type",
             fq.granularity() == Granularity::PerChannel ? "PER_CHANNEL" : "PER_TENSOR"},
            {"dtype", "INT"},
            {"bw", fq.bits().bits},
            {"is_sym", fq.bits().isSigned},
            {"scale", scales},
            {"offset", offsets}};
        (fq.isWeight() ? params : activations).append(entry);
    }
    const QuantConfig& cfg = q.config();
    const QJsonObject args{{"activation_bitwidth", cfg.actBits},
                           {"param_bitwidth", cfg.weightBits},
                           {"dtype", "int"},
                           {"is_symmetric", cfg.weightSigned},
                           {"activation_is_symmetric", cfg.actSigned},
                           {"per_channel_quantization", true},
                           {"quant_scheme", "fq-vit"},
                           {"weight_observer", observerName(cfg.weightObserver)},
                           {"activation_observer", observerName(cfg.actObserver)},
                           {"ptf", cfg.ptf},
                           {"log2_softmax", cfg.log2Softmax}};
    QJsonObject prov = provenance;
    prov.insert("not_exported", notExported);
    prov.insert("offset_convention",
                "offset = lo - zero_point; x = (q + offset) * scale, q in [0, 2^bw - 1]");
    return QJsonObject{
        {"version", "1.0.0"},
        {"activation_encodings", activations},
        {"param_encodings", params},
        {"excluded_layers", QJsonArray{}},
        {"quantizer_args", args},
        {"producer", QJsonObject{{"name", "evolq-workbench"},
                                 {"version", prov.value("program_version").toString()}}},
        {"evolq_provenance", prov}};
}

QByteArray ScaleExport::csv(const QuantizedVit& q, const ScaleSelection& sel,
                            const QJsonObject& provenance) {
    QString out;
    out +=
        "# Evol-Q Workbench scale export: one row per channel; x_hat = (q - zero_point) * scale\n";
    for (auto it = provenance.begin(); it != provenance.end(); ++it)
        out += QString("# %1: %2\n").arg(it.key(), compact(it.value()).replace('\n', ' '));
    out += csvHeader() + "\n";
    for (int i = 0; i < q.quantizerCount(); ++i) {
        const FakeQuantizer& fq = q.quantizer(i);
        if (!sel.accepts(summaryOf(fq)) || !fq.calibrated()) continue;
        const std::vector<float> sc = values(fq.scale()), zp = values(fq.zeroPoint());
        const QString head =
            QString("%1,%2,").arg(csvField(fq.name()), fq.isWeight() ? "weight" : "activation");
        const QString tail =
            QString(",%1,%2,").arg(fq.bits().bits).arg(fq.bits().isSigned ? "true" : "false");
        for (size_t c = 0; c < sc.size(); ++c)
            out +=
                head + QString::number(c) + tail + csvNumber(sc[c]) + ',' + csvNumber(zp[c]) + '\n';
    }
    return out.toUtf8();
}

void ScaleExport::write(const QString& path, ExportFormat format, const QuantizedVit& q,
                        const ScaleSelection& sel, const QJsonObject& provenance) {
    if (path.isEmpty()) throw Error("no file name given for the export");
    if (!q.calibrated())
        throw Error(QString("%1: nothing to export: the model is not quantized yet").arg(path));
    switch (format) {
        case ExportFormat::Native:
            ScaleFile::write(path, ScaleFile::toJson(q, provenance));
            return;
        case ExportFormat::Aimet:
            writeFileAtomically(
                path,
                QJsonDocument(aimetEncodings(q, sel, provenance)).toJson(QJsonDocument::Indented));
            return;
        case ExportFormat::Csv:
            writeFileAtomically(path, csv(q, sel, provenance));
            return;
    }
}

}  // namespace evolq
