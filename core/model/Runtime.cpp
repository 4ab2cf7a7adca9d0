#include "model/Runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <malloc.h>
#include <torch/torch.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>
#include <limits>

#include "common/Version.h"

namespace evolq {

namespace {

// The BLAS that LibTorch calls (OpenBLAS through Debian's libblas.so.3) runs a thread pool of its
// own beside LibTorch's OpenMP threads. On few cores the two pools spin against each other, and
// batched products call BLAS from inside OpenMP regions, so that up to threads^2 threads compete
// (measured: 2-3x system time). One threading model instead: BLAS runs on the calling thread,
// every parallel loop is LibTorch's.
using BlasThreadsFn = void (*)(int);
BlasThreadsFn blasSetThreads() {
    for (const char* name : {"openblas_set_num_threads", "goto_set_num_threads"})
        if (void* f = dlsym(RTLD_DEFAULT, name)) return reinterpret_cast<BlasThreadsFn>(f);
    return nullptr;
}

int g_blasThreads = -1;  // -1: not set (the BLAS's own default)

// The Fortran interface every BLAS exports, and LibTorch calls for float products.
using SgemmFn = void (*)(const char* transa, const char* transb, const int* m, const int* n,
                         const int* k, const float* alpha, const float* a, const int* lda,
                         const float* b, const int* ldb, const float* beta, float* c,
                         const int* ldc);
SgemmFn sgemmFn() {
    static const SgemmFn f = reinterpret_cast<SgemmFn>(dlsym(RTLD_DEFAULT, "sgemm_"));
    return f;
}

}  // namespace

int initRuntime(int threads) {
    if (threads <= 0) threads = std::max(1, QThread::idealThreadCount());
    at::set_num_threads(threads);
    setBlasThreads(1);
    // Forward passes allocate and free the same large activations again and again. glibc's
    // default serves blocks above a (growing) threshold with mmap and returns freed heap tops to
    // the system, so every pass pays page faults for fresh memory: keep such blocks in the heap
    // instead, and give memory back explicitly when a job ends (releaseMemory()).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
    return at::get_num_threads();
}

void setBlasThreads(int threads) {
    if (BlasThreadsFn f = blasSetThreads()) {
        f(std::max(1, threads));
        g_blasThreads = std::max(1, threads);
    }
}

int blasThreads() {
    return g_blasThreads;
}

void forEachChunk(int64_t count, const std::function<void(int64_t)>& fn) {
    // A parallel loop started inside this one runs serially on its thread (LibTorch checks
    // in_parallel_region()), so every operation of a chunk stays on the thread that took it.
    at::parallel_for(0, count, 1, [&](int64_t b, int64_t e) {
        c10::InferenceMode guard;
        for (int64_t k = b; k < e; ++k) fn(k);
    });
}

bool haveGemmRowMajor() {
    return sgemmFn() != nullptr;
}

bool gemmRowMajor(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc) {
    const SgemmFn f = sgemmFn();
    if (!f) return false;
    // Row-major C (m x n) is column-major C^T (n x m) = op(B)^T op(A)^T: swap the operands.
    const char ta = transB ? 'T' : 'N', tb = transA ? 'T' : 'N';
    const int M = static_cast<int>(n), N = static_cast<int>(m), K = static_cast<int>(k);
    const int LDA = static_cast<int>(ldb), LDB = static_cast<int>(lda), LDC = static_cast<int>(ldc);
    f(&ta, &tb, &M, &N, &K, &alpha, b, &LDA, a, &LDB, &beta, c, &LDC);
    return true;
}

int64_t evenChunkSize(int64_t images, int64_t target) {
    target = std::max<int64_t>(1, target);
    const int64_t pairs = std::max<int64_t>(1, (images + 2 * target - 1) / (2 * target));
    return std::max<int64_t>(1, (images + 2 * pairs - 1) / (2 * pairs));
}

void releaseMemory() {
    malloc_trim(0);
}

int runtimeThreads() {
    return at::get_num_threads();
}

QString runtimeDescription() {
    return QString("LibTorch %1, %2 intra-op threads, BLAS %3")
        .arg(TORCH_VERSION)
        .arg(at::get_num_threads())
        .arg(g_blasThreads > 0 ? QString("%1 thread(s) per call").arg(g_blasThreads)
                               : QString("threads its own"));
}

namespace {
QString firstExisting(const QStringList& candidates) {
    for (const QString& c : candidates)
        if (QFileInfo(c).isDir()) return QDir(c).absolutePath();
    return candidates.value(0);
}
}  // namespace

// An installed binary sits in <prefix>/bin beside <prefix>/share/evolq-workbench (a package
// unpacked anywhere finds its own model); a build-tree binary has no such folder.
QString installedShareDir() {
    if (!QCoreApplication::instance()) return QString();
    const QString share = QCoreApplication::applicationDirPath() + "/../share/evolq-workbench";
    return QFileInfo(share).isDir() ? QDir(share).absolutePath() : QString();
}

QString defaultModelDir() {
    const QString share = installedShareDir();
    if (!share.isEmpty()) return share + "/models/vit-tiny-fmnist";
    return firstExisting({QString(EVOLQ_SOURCE_MODELS_DIR) + "/vit-tiny-fmnist",
                          QString(EVOLQ_INSTALL_MODELS_DIR) + "/vit-tiny-fmnist"});
}

QString defaultDataDir() {
    // Installed: the user's data directory (~/.local/share/evolq-workbench), shared by both
    // programs whatever their application names; never next to the binary.
    if (!installedShareDir().isEmpty())
        return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
               "/evolq-workbench/fashion-mnist";
    return QString(EVOLQ_SOURCE_DATA_DIR) + "/fashion-mnist";
}

}  // namespace evolq
