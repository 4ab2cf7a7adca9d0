#pragma once

namespace evolq {

// Seconds left when `done` of `total` units took `elapsedSeconds`, assuming the same rate;
// -1 when nothing is done yet (unknown).
inline double etaSeconds(double elapsedSeconds, long long done, long long total) {
    if (done <= 0) return -1;
    if (done >= total) return 0;
    return elapsedSeconds / static_cast<double>(done) * static_cast<double>(total - done);
}

}  // namespace evolq
