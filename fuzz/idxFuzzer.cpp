// The IDX reader of Fashion-MNIST (plain or gzip-compressed) on arbitrary bytes.
#include "FuzzSupport.h"
#include "data/FashionMnist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    evolq::fuzz::app();
    const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    const QString path = evolq::fuzz::writeScratch(gz ? "data-idx.gz" : "data-idx", data, size);
    evolq::fuzz::expectErrorOnly([&] { (void)evolq::readIdx(path); });
    return 0;
}
