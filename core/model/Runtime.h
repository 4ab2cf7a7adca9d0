#pragma once

#include <QString>
#include <cstdint>
#include <functional>

namespace evolq {

// Sets LibTorch's intra-op thread count (it starts at 1 on Debian's build) and returns it.
// `threads` <= 0 means one per core.
int initRuntime(int threads = 0);
int runtimeThreads();
// Threads the BLAS may use inside one call (initRuntime sets 1: LibTorch's threads parallelize);
// blasThreads() is -1 when the BLAS offers no control.
void setBlasThreads(int threads);
int blasThreads();
// Runs fn(0) .. fn(count - 1) on the runtime's threads, each call on one thread with LibTorch's
// own parallelism and the BLAS single-threaded inside it, and autograd off (inference mode).
// Independent forward passes (chunks of images) scale across cores this way, where splitting each
// small operation over threads does not; and a chunk's result does not depend on how many threads
// there are. fn must only write to its own outputs (e.g. slot k of a vector).
void forEachChunk(int64_t count, const std::function<void(int64_t)>& fn);
// C = alpha op(A) op(B) + beta C for row-major float matrices (op transposes when asked), through
// sgemm_ of the BLAS that LibTorch itself calls, on the calling thread: for many small products
// on strided views (attention per image and head) without a tensor operation around each one.
// Returns false, computing nothing, when that BLAS has no sgemm_.
bool gemmRowMajor(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc);
bool haveGemmRowMajor();
// Rows per chunk for `images` rows and chunks of about `target` rows: an even number of equal
// chunks, so that two threads get the same work (256 images, target 100: 4 x 64, not
// 100 + 100 + 56); from the counts alone, so that results do not depend on the thread count.
int64_t evenChunkSize(int64_t images, int64_t target);
// Returns freed memory to the system; called when a job ends.
void releaseMemory();
// "LibTorch 1.13.1, 2 threads, BLAS: ..." for --version and provenance.
QString runtimeDescription();

// Where the bundled default model and the default data live. Installed (<prefix>/bin beside
// <prefix>/share/evolq-workbench): the model under that share folder, the data in the user's data
// directory. A build-tree binary: both in the source tree.
QString installedShareDir();  // empty for a build-tree binary
QString defaultModelDir();
QString defaultDataDir();

}  // namespace evolq
