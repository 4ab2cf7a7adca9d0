#include "model/SafeTensors.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <algorithm>
#include <cstring>
#include <limits>

#include "common/AtomicFile.h"
#include "common/Error.h"

namespace evolq {

namespace {

uint64_t readLe64(const char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = (h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: renormalize
            exp = 127 - 15 + 1;
            while ((mant & 0x400u) == 0) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3ffu;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// The top-level keys of a JSON object in the order they appear, so that duplicate names (which
// QJsonDocument silently merges) can be reported.
QStringList topLevelKeys(const QByteArray& json) {
    QStringList keys;
    int depth = 0;
    const int n = json.size();
    for (int i = 0; i < n; ++i) {
        const char c = json[i];
        if (c == '"') {
            int j = i + 1;
            QByteArray raw;
            while (j < n && json[j] != '"') {
                if (json[j] == '\\' && j + 1 < n) {
                    raw += json[j];
                    ++j;
                }
                raw += json[j];
                ++j;
            }
            int k = j + 1;
            while (k < n &&
                   (json[k] == ' ' || json[k] == '\n' || json[k] == '\r' || json[k] == '\t'))
                ++k;
            if (depth == 1 && k < n && json[k] == ':') keys << QString::fromUtf8(raw);
            i = j;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return keys;
}

bool parseDType(const QString& s, DType* out) {
    if (s == "F32")
        *out = DType::F32;
    else if (s == "F16")
        *out = DType::F16;
    else if (s == "BF16")
        *out = DType::BF16;
    else
        return false;
    return true;
}

}  // namespace

const char* dtypeName(DType t) {
    switch (t) {
        case DType::F32:
            return "F32";
        case DType::F16:
            return "F16";
        case DType::BF16:
            return "BF16";
    }
    return "?";
}

int dtypeSize(DType t) {
    return t == DType::F32 ? 4 : 2;
}

int64_t TensorEntry::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

SafeTensorsFile SafeTensorsFile::read(const QString& path) {
    QFile f(path);
    if (!f.exists()) throw Error(QString("%1: file not found").arg(path));
    if (!f.open(QIODevice::ReadOnly))
        throw Error(QString("%1: cannot open: %2").arg(path, f.errorString()));
    QByteArray bytes = f.readAll();
    if (f.error() != QFileDevice::NoError)
        throw Error(QString("%1: read error: %2").arg(path, f.errorString()));
    SafeTensorsFile st = parse(std::move(bytes), path);
    st.m_path = path;
    return st;
}

SafeTensorsFile SafeTensorsFile::parse(QByteArray bytes, const QString& label) {
    auto fail = [&](const QString& what) -> Error {
        return Error(QString("%1: not a valid safetensors file: %2").arg(label, what));
    };
    const uint64_t fileSize = static_cast<uint64_t>(bytes.size());
    if (fileSize < 8)
        throw fail(QString("only %1 bytes, shorter than the 8-byte header length").arg(fileSize));
    const uint64_t headerLen = readLe64(bytes.constData());
    if (headerLen > kMaxHeaderBytes)
        throw fail(QString("header length %1 exceeds the 100 MB limit").arg(headerLen));
    if (headerLen > fileSize - 8)
        throw fail(QString("header length %1 runs past the end of the file (%2 bytes)")
                       .arg(headerLen)
                       .arg(fileSize));
    const QByteArray header = bytes.mid(8, static_cast<int>(headerLen));
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(header, &perr);
    if (perr.error != QJsonParseError::NoError)
        throw fail(QString("header is not valid JSON (%1 at byte %2)")
                       .arg(perr.errorString())
                       .arg(perr.offset));
    if (!doc.isObject()) throw fail("header is not a JSON object");

    const QStringList keys = topLevelKeys(header);
    QSet<QString> seen;
    for (const QString& k : keys) {
        if (seen.contains(k)) throw fail(QString("tensor '%1' is listed twice").arg(k));
        seen.insert(k);
    }

    SafeTensorsFile st;
    st.m_path = label;
    st.m_dataStart = 8 + headerLen;
    const uint64_t dataSize = fileSize - st.m_dataStart;
    const QJsonObject obj = doc.object();
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const QString name = it.key();
        if (name == "__metadata__") {
            if (!it.value().isObject()) throw fail("__metadata__ is not an object");
            const QJsonObject md = it.value().toObject();
            for (auto m = md.begin(); m != md.end(); ++m) {
                if (!m.value().isString())
                    throw fail(QString("__metadata__ entry '%1' is not a string").arg(m.key()));
                st.m_metadata.insert(m.key(), m.value().toString());
            }
            continue;
        }
        auto tfail = [&](const QString& what) {
            return fail(QString("tensor '%1': %2").arg(name, what));
        };
        if (!it.value().isObject()) throw tfail("entry is not an object");
        const QJsonObject t = it.value().toObject();
        TensorEntry e;
        e.name = name;
        if (!t.value("dtype").isString()) throw tfail("missing dtype");
        const QString dt = t.value("dtype").toString();
        if (!parseDType(dt, &e.dtype))
            throw tfail(QString("unsupported dtype '%1' (F32, F16 and BF16 are read)").arg(dt));
        if (!t.value("shape").isArray()) throw tfail("missing shape");
        const QJsonArray shape = t.value("shape").toArray();
        // Use long double so that a hostile shape cannot overflow the element count silently.
        long double count = 1;
        for (const QJsonValue& d : shape) {
            const double v = d.toDouble(-1);
            if (!d.isDouble() || v < 0 || v != static_cast<double>(static_cast<int64_t>(v)) ||
                v > 9e15)
                throw tfail("shape holds a value that is not a non-negative integer");
            e.shape.push_back(static_cast<int64_t>(v));
            count *= static_cast<long double>(v);
        }
        if (!t.value("data_offsets").isArray() || t.value("data_offsets").toArray().size() != 2)
            throw tfail("data_offsets must be [begin, end]");
        const QJsonArray off = t.value("data_offsets").toArray();
        const double b = off[0].toDouble(-1), en = off[1].toDouble(-1);
        if (!off[0].isDouble() || !off[1].isDouble() || b < 0 || en < 0 || b > 1.8e19 ||
            en > 1.8e19 || b != static_cast<double>(static_cast<uint64_t>(b)) ||
            en != static_cast<double>(static_cast<uint64_t>(en)))
            throw tfail("data_offsets are not non-negative integers");
        e.begin = static_cast<uint64_t>(b);
        e.end = static_cast<uint64_t>(en);
        if (e.end < e.begin)
            throw tfail(
                QString("data_offsets [%1, %2] end before they begin").arg(e.begin).arg(e.end));
        if (e.end > dataSize)
            throw tfail(QString("data_offsets [%1, %2] run past the data area (%3 bytes)")
                            .arg(e.begin)
                            .arg(e.end)
                            .arg(dataSize));
        const long double expected = count * dtypeSize(e.dtype);
        if (expected != static_cast<long double>(e.end - e.begin))
            throw tfail(QString("holds %1 bytes but shape x %2 needs %3")
                            .arg(e.end - e.begin)
                            .arg(dtypeName(e.dtype))
                            .arg(static_cast<double>(expected), 0, 'f', 0));
        st.m_tensors.push_back(std::move(e));
    }
    std::vector<const TensorEntry*> byOffset;
    for (const TensorEntry& e : st.m_tensors) byOffset.push_back(&e);
    std::sort(byOffset.begin(), byOffset.end(), [](const TensorEntry* a, const TensorEntry* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (size_t i = 1; i < byOffset.size(); ++i) {
        if (byOffset[i]->begin < byOffset[i - 1]->end)
            throw fail(QString("tensors '%1' and '%2' overlap")
                           .arg(byOffset[i - 1]->name, byOffset[i]->name));
    }
    std::sort(st.m_tensors.begin(), st.m_tensors.end(),
              [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });
    st.m_bytes = std::move(bytes);
    return st;
}

const TensorEntry* SafeTensorsFile::find(const QString& name) const {
    for (const TensorEntry& e : m_tensors)
        if (e.name == name) return &e;
    return nullptr;
}

std::vector<float> SafeTensorsFile::toFloat(const TensorEntry& e) const {
    const int64_t n = e.numel();
    std::vector<float> out(static_cast<size_t>(n));
    const char* p = m_bytes.constData() + m_dataStart + e.begin;
    switch (e.dtype) {
        case DType::F32:
            std::memcpy(out.data(), p, static_cast<size_t>(n) * 4);  // little-endian host
            break;
        case DType::F16:
            for (int64_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, p + 2 * i, 2);
                out[i] = halfToFloat(h);
            }
            break;
        case DType::BF16:
            for (int64_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, p + 2 * i, 2);
                const uint32_t bits = static_cast<uint32_t>(h) << 16;
                std::memcpy(&out[i], &bits, 4);
            }
            break;
    }
    return out;
}

void writeSafeTensors(const QString& path, const std::vector<NamedFloatTensor>& tensors,
                      const QMap<QString, QString>& metadata) {
    QJsonObject header;
    if (!metadata.isEmpty()) {
        QJsonObject md;
        for (auto it = metadata.begin(); it != metadata.end(); ++it)
            md.insert(it.key(), it.value());
        header.insert("__metadata__", md);
    }
    uint64_t offset = 0;
    for (const NamedFloatTensor& t : tensors) {
        int64_t n = 1;
        QJsonArray shape;
        for (int64_t d : t.shape) {
            n *= d;
            shape.append(static_cast<double>(d));
        }
        if (static_cast<size_t>(n) != t.values.size())
            throw Error(QString("%1: tensor '%2' has %3 values for its shape")
                            .arg(path, t.name)
                            .arg(t.values.size()));
        QJsonObject e;
        e.insert("dtype", "F32");
        e.insert("shape", shape);
        e.insert("data_offsets",
                 QJsonArray{static_cast<double>(offset), static_cast<double>(offset + 4 * n)});
        header.insert(t.name, e);
        offset += 4 * static_cast<uint64_t>(n);
    }
    QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    while (json.size() % 8 != 0) json.append(' ');  // keep the data area 8-byte aligned
    AtomicFile f(path);
    char len[8];
    uint64_t hl = static_cast<uint64_t>(json.size());
    for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((hl >> (8 * i)) & 0xff);
    f.write(QByteArray(len, 8));
    f.write(json);
    for (const NamedFloatTensor& t : tensors)
        f.write(QByteArray::fromRawData(reinterpret_cast<const char*>(t.values.data()),
                                        static_cast<qsizetype>(t.values.size() * 4)));
    f.commit();
}

}  // namespace evolq
