// The safetensors reader on arbitrary bytes: header length, JSON header, offsets, dtypes, and
// the conversion of every tensor it accepts.
#include "FuzzSupport.h"
#include "model/SafeTensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    evolq::fuzz::expectErrorOnly([&] {
        const auto f = evolq::SafeTensorsFile::parse(
            QByteArray(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size)),
            "fuzz.safetensors");
        for (const evolq::TensorEntry& t : f.tensors()) (void)f.toFloat(t);
    });
    return 0;
}
