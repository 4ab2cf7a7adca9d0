// The search-log reader (CSV with provenance lines) on arbitrary bytes.
#include "FuzzSupport.h"
#include "types/SearchLog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    evolq::fuzz::app();
    const QString path = evolq::fuzz::writeScratch("search-log.csv", data, size);
    evolq::fuzz::expectErrorOnly([&] { (void)evolq::SearchLog::read(path); });
    return 0;
}
