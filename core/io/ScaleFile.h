#pragma once

#include <QJsonObject>
#include <QString>
#include <memory>

#include "types/QuantConfig.h"

namespace evolq {

class QuantizedVit;
class VitModel;

// The native scale file: versioned JSON recording the program version, the model's identity
// (architecture + SHA-256 of model.safetensors), the QuantConfig, and for every quantizer its name,
// kind, granularity, bits, signedness, shape, scales and zero points; optional calibration and
// search provenance. Written atomically. Reading it back restores a quantized model exactly.
class ScaleFile {
public:
    static constexpr int kSchemaVersion = 1;
    static constexpr const char* kFormat = "evolq-scales";

    // Builds the document from a calibrated model. `provenance` entries ("calibration", "search",
    // ...) are merged into the top level.
    static QJsonObject toJson(const QuantizedVit& q, const QJsonObject& provenance = {});
    // Atomic write (AtomicFile); throws evolq::Error naming the file.
    static void write(const QString& path, const QJsonObject& doc);

    // Parses and checks the document's structure; throws evolq::Error naming the file.
    static ScaleFile read(const QString& path);
    static ScaleFile fromJson(const QJsonObject& doc, const QString& source);

    const QJsonObject& json() const { return m_doc; }
    const QString& source() const { return m_source; }
    QuantConfig config() const { return m_config; }
    QString modelSha256() const {
        return m_doc.value("model").toObject().value("sha256").toString();
    }
    QString modelArchitecture() const {
        return m_doc.value("model").toObject().value("architecture").toString();
    }

    // Applies every quantizer's scales and zero points; the model must be the one the file was made
    // for, and every quantizer must match by name, bits and length. Throws evolq::Error.
    void applyTo(QuantizedVit& q) const;

private:
    QJsonObject m_doc;
    QString m_source;
    QuantConfig m_config;
};

// Restores a quantized model from a scale file (its config, then its scales); checks identity.
std::unique_ptr<QuantizedVit> loadQuantized(std::shared_ptr<VitModel> model, const ScaleFile& file);

}  // namespace evolq
