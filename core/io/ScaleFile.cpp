#include "io/ScaleFile.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <cmath>

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Version.h"
#include "model/Runtime.h"
#include "quant/QuantizedVit.h"

namespace evolq {

namespace {
QJsonArray toArray(const torch::Tensor& t) {
    QJsonArray a;
    const torch::Tensor c = t.contiguous().to(torch::kFloat32);
    const float* p = c.data_ptr<float>();
    for (int64_t i = 0; i < c.numel(); ++i) a.append(static_cast<double>(p[i]));
    return a;
}
}  // namespace

QJsonObject ScaleFile::toJson(const QuantizedVit& q, const QJsonObject& provenance) {
    const ModelInfo& info = q.model().info();
    QJsonArray quantizers;
    for (int i = 0; i < q.quantizerCount(); ++i) {
        const FakeQuantizer& fq = q.quantizer(i);
        if (!fq.calibrated()) throw Error(QString("quantizer %1 is not calibrated").arg(fq.name()));
        quantizers.append(QJsonObject{
            {"name", fq.name()},
            {"kind", fq.isWeight() ? "weight" : "activation"},
            {"granularity",
             fq.granularity() == Granularity::PerChannel ? "per_channel" : "per_tensor"},
            {"axis", fq.axis()},
            {"bits", fq.bits().bits},
            {"signed", fq.bits().isSigned},
            {"symmetric", fq.bits().isSigned},
            {"observer", fq.isWeight() || !fq.ptf() ? observerName(fq.observer()) : QString("ptf")},
            {"log2", fq.log2()},
            {"shape", QJsonArray{static_cast<qint64>(fq.scale().numel())}},
            {"scales", toArray(fq.scale())},
            {"zero_points", toArray(fq.zeroPoint())}});
    }
    QJsonObject doc{{"format", kFormat},
                    {"schema_version", kSchemaVersion},
                    {"program_version", EVOLQ_VERSION},
                    {"runtime", runtimeDescription()},
                    {"created_utc", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                    {"model", QJsonObject{{"architecture", info.architecture},
                                          {"sha256", info.sha256},
                                          {"folder", info.folder},
                                          {"depth", info.depth},
                                          {"width", info.width}}},
                    {"bit_config", q.config().label()},
                    {"quant_config", q.config().toJson()},
                    {"quantizers", quantizers}};
    for (auto it = provenance.begin(); it != provenance.end(); ++it)
        doc.insert(it.key(), it.value());
    return doc;
}

void ScaleFile::write(const QString& path, const QJsonObject& doc) {
    writeFileAtomically(path, QJsonDocument(doc).toJson(QJsonDocument::Indented));
}

ScaleFile ScaleFile::read(const QString& path) {
    QFile f(path);
    if (!f.exists()) throw Error(QString("%1: scale file not found").arg(path));
    if (QFileInfo(path).isDir())
        throw Error(QString("%1: is a folder, not a scale file").arg(path));
    if (!f.open(QIODevice::ReadOnly))
        throw Error(QString("%1: cannot open: %2").arg(path, f.errorString()));
    QJsonParseError err;
    const QJsonDocument d = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError)
        throw Error(QString("%1: not valid JSON (%2 at byte %3)")
                        .arg(path, err.errorString())
                        .arg(err.offset));
    if (!d.isObject())
        throw Error(QString("%1: not a scale file (expected a JSON object)").arg(path));
    return fromJson(d.object(), path);
}

ScaleFile ScaleFile::fromJson(const QJsonObject& doc, const QString& source) {
    if (doc.value("format").toString() != kFormat)
        throw Error(
            QString("%1: not an Evol-Q scale file (format is not \"%2\")").arg(source, kFormat));
    const int version = doc.value("schema_version").toInt(-1);
    if (version < 1 || version > kSchemaVersion)
        throw Error(QString("%1: schema_version %2 is not supported (this program reads 1..%3)")
                        .arg(source)
                        .arg(version)
                        .arg(kSchemaVersion));
    if (!doc.value("model").isObject() ||
        doc.value("model").toObject().value("sha256").toString().size() != 64)
        throw Error(QString("%1: lacks the model identity (model.sha256)").arg(source));
    if (!doc.value("quant_config").isObject())
        throw Error(QString("%1: lacks quant_config").arg(source));
    if (!doc.value("quantizers").isArray())
        throw Error(QString("%1: lacks the quantizers list").arg(source));
    ScaleFile s;
    s.m_doc = doc;
    s.m_source = source;
    s.m_config = QuantConfig::fromJson(doc.value("quant_config").toObject(), source);
    return s;
}

void ScaleFile::applyTo(QuantizedVit& q) const {
    const ModelInfo& info = q.model().info();
    if (modelSha256() != info.sha256)
        throw Error(QString("%1: made for model '%2' (sha256 %3...), but the loaded model is '%4' "
                            "(sha256 %5...)")
                        .arg(m_source, modelArchitecture(), modelSha256().left(12),
                             info.architecture, info.sha256.left(12)));
    // Parse and check everything first, then apply: a bad file leaves the model as it was.
    struct Entry {
        int index;
        int bits;
        torch::Tensor scale, zero;
    };
    std::vector<Entry> entries;
    QSet<QString> seen;
    for (const QJsonValue& v : m_doc.value("quantizers").toArray()) {
        const QJsonObject o = v.toObject();
        const QString name = o.value("name").toString();
        if (seen.contains(name))
            throw Error(QString("%1: quantizer '%2' is listed twice").arg(m_source, name));
        seen.insert(name);
        const int idx = q.findQuantizer(name);
        if (idx < 0)
            throw Error(QString("%1: names quantizer '%2', which this model does not have")
                            .arg(m_source, name));
        const FakeQuantizer& fq = q.quantizer(idx);
        // Mixed precision gives weight quantizers their own bits from {2, 3, 4, 8}.
        const int fileBits = o.value("bits").toInt(-1);
        const bool mixed = fq.isWeight() && fq.enabled() && fileBits != fq.bits().bits &&
                           (fileBits == 2 || fileBits == 3 || fileBits == 4 || fileBits == 8);
        if ((fileBits != fq.bits().bits && !mixed) ||
            o.value("signed").toBool() != fq.bits().isSigned)
            throw Error(
                QString(
                    "%1: quantizer '%2' has %3 bits (%4) but the configuration gives %5 bits (%6)")
                    .arg(m_source, name)
                    .arg(fileBits)
                    .arg(o.value("signed").toBool() ? "signed" : "unsigned")
                    .arg(fq.bits().bits)
                    .arg(fq.bits().isSigned ? "signed" : "unsigned"));
        const BitSpec bits{fileBits, fq.bits().isSigned};
        const QJsonArray sc = o.value("scales").toArray(), zp = o.value("zero_points").toArray();
        const int64_t expected = fq.isWeight()
                                     ? (fq.enabled() ? q.model().layer(idx).weight.size(0) : 1)
                                     : (fq.ptf() && fq.enabled() ? q.model().info().width : 1);
        if (sc.size() != expected || zp.size() != expected)
            throw Error(QString("%1: quantizer '%2' has %3 scales and %4 zero points, expected %5")
                            .arg(m_source, name)
                            .arg(sc.size())
                            .arg(zp.size())
                            .arg(expected));
        std::vector<float> s(expected), z(expected);
        for (int64_t i = 0; i < expected; ++i) {
            const QJsonValue a = sc[i], b = zp[i];
            const double av = a.toDouble(std::nan("")), bv = b.toDouble(std::nan(""));
            if (!a.isDouble() || !std::isfinite(av) || av <= 0 ||
                !std::isfinite(static_cast<float>(av)) || static_cast<float>(av) <= 0)
                throw Error(QString("%1: quantizer '%2' scale %3 is not a finite positive number")
                                .arg(m_source, name)
                                .arg(i));
            if (!b.isDouble() || !std::isfinite(bv) ||
                (fq.enabled() && !fq.log2() && (bv < bits.lo() || bv > bits.hi())) ||
                bv != std::round(bv))
                throw Error(
                    QString("%1: quantizer '%2' zero point %3 is not an integer in [%4, %5]")
                        .arg(m_source, name)
                        .arg(i)
                        .arg(bits.lo())
                        .arg(bits.hi()));
            s[i] = static_cast<float>(av);
            z[i] = static_cast<float>(bv);
        }
        entries.push_back({idx, fileBits, torch::tensor(s), torch::tensor(z)});
    }
    for (int i = 0; i < q.quantizerCount(); ++i)
        if (!seen.contains(q.quantizer(i).name()))
            throw Error(QString("%1: lacks quantizer '%2'").arg(m_source, q.quantizer(i).name()));
    for (const Entry& e : entries) {
        q.quantizer(e.index).setBits(e.bits);
        q.setQuantizerParams(e.index, e.scale, e.zero);
    }
}

std::unique_ptr<QuantizedVit> loadQuantized(std::shared_ptr<VitModel> model,
                                            const ScaleFile& file) {
    auto q = std::make_unique<QuantizedVit>(std::move(model), file.config());
    file.applyTo(*q);
    return q;
}

}  // namespace evolq
