// The native scale file reader (JSON, schema, quantizer entries) on arbitrary bytes.
#include "FuzzSupport.h"
#include "io/ScaleFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    evolq::fuzz::app();
    const QString path = evolq::fuzz::writeScratch("scales.json", data, size);
    evolq::fuzz::expectErrorOnly([&] {
        const evolq::ScaleFile f = evolq::ScaleFile::read(path);
        (void)f.config();
        (void)f.modelSha256();
    });
    return 0;
}
