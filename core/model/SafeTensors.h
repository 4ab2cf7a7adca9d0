#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <cstdint>
#include <vector>

namespace evolq {

// Reader and writer for the safetensors format: an 8-byte little-endian header length, a JSON
// header mapping names to {dtype, shape, data_offsets}, then the raw little-endian data.
// The reader validates strictly and throws evolq::Error naming the file and the tensor.
enum class DType { F32, F16, BF16 };

struct TensorEntry {
    QString name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // offsets relative to the start of the data area
    uint64_t end = 0;
    int64_t numel() const;
};

class SafeTensorsFile {
public:
    static constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

    // Reads and validates the whole file; throws evolq::Error.
    static SafeTensorsFile read(const QString& path);
    // Same checks on bytes already in memory (used by tests and fuzzing); `label` names the source.
    static SafeTensorsFile parse(QByteArray bytes, const QString& label);

    const QString& path() const { return m_path; }
    const std::vector<TensorEntry>& tensors() const { return m_tensors; }
    const TensorEntry* find(const QString& name) const;
    QMap<QString, QString> metadata() const { return m_metadata; }
    // The tensor's values converted to float32, in row-major order.
    std::vector<float> toFloat(const TensorEntry& entry) const;

private:
    QString m_path;
    QByteArray m_bytes;
    uint64_t m_dataStart = 0;
    std::vector<TensorEntry> m_tensors;
    QMap<QString, QString> m_metadata;
};

struct NamedFloatTensor {
    QString name;
    std::vector<int64_t> shape;
    std::vector<float> values;
};

// Writes F32 tensors atomically (AtomicFile); throws evolq::Error.
void writeSafeTensors(const QString& path, const std::vector<NamedFloatTensor>& tensors,
                      const QMap<QString, QString>& metadata = {});

const char* dtypeName(DType t);
int dtypeSize(DType t);

}  // namespace evolq
