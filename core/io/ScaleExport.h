#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QVector>

#include "types/Summaries.h"

namespace evolq {

class QuantizedVit;

// Scale files for other tools, beside the native ScaleFile: AIMET encodings (format 1.0.0) and a
// CSV with one row per channel. Each carries the provenance it is given. No torch in this header.
class ScaleExport {
public:
    // Every quantizer of a calibrated model with statistics of its scales.
    static QVector<QuantizerSummary> summarize(const QuantizedVit& q);

    // AIMET encodings 1.0.0: `version`, `activation_encodings` and `param_encodings` lists of
    // {name, enc_type PER_CHANNEL|PER_TENSOR, dtype INT, bw, is_sym, scale[], offset[]},
    // `quantizer_args`, and our provenance under `evolq_provenance`. AIMET dequantizes
    // x = (q + offset) * scale with q in [0, 2^bw - 1], so offset = lo - zero_point: -zero_point
    // for unsigned (asymmetric) types, -2^(bw-1) for signed (symmetric) ones. Log2 and disabled
    // quantizers have no AIMET encoding and are listed under evolq_provenance.not_exported.
    static QJsonObject aimetEncodings(const QuantizedVit& q, const ScaleSelection& sel,
                                      const QJsonObject& provenance);
    // "# key: value" provenance lines, then quantizer,kind,channel,bits,signed,scale,zero_point.
    static QByteArray csv(const QuantizedVit& q, const ScaleSelection& sel,
                          const QJsonObject& provenance);
    static QString csvHeader() { return "quantizer,kind,channel,bits,signed,scale,zero_point"; }

    // Writes any format atomically (AtomicFile): nothing is left behind on failure. `provenance`
    // entries go into the native file's top level. Throws evolq::Error naming the file.
    static void write(const QString& path, ExportFormat format, const QuantizedVit& q,
                      const ScaleSelection& sel, const QJsonObject& provenance);
};

}  // namespace evolq
