#include "data/Evaluate.h"

#include <QElapsedTimer>

#include "common/Error.h"
#include "model/Runtime.h"

namespace evolq {

std::pair<int64_t, int64_t> topkCorrect(const torch::Tensor& logits, const torch::Tensor& labels) {
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    const torch::Tensor top = std::get<1>(logits.topk(k, 1));
    const torch::Tensor hit = top.eq(labels.unsqueeze(1));
    return {hit.select(1, 0).sum().item<int64_t>(), hit.any(1).sum().item<int64_t>()};
}

torch::Tensor predictLogits(VitModel& model, const torch::Tensor& images, ForwardHooks* hooks,
                            int batch) {
    // Chunks of `batch` images, in parallel (forEachChunk).
    if (batch <= 0) batch = 100;
    const int64_t n = images.size(0), chunks = (n + batch - 1) / batch;
    if (chunks == 0) return torch::empty({0, model.info().numClasses});
    std::vector<torch::Tensor> out(chunks);
    if (hooks) hooks->prepareConcurrent();
    forEachChunk(chunks, [&](int64_t k) {
        out[k] =
            model.forward(images.slice(0, k * batch, std::min<int64_t>((k + 1) * batch, n)), hooks);
    });
    return torch::cat(out, 0);
}

EvalResult evaluateTensors(VitModel& model, const torch::Tensor& images,
                           const torch::Tensor& labels, ForwardHooks* hooks, int batch) {
    QElapsedTimer t;
    t.start();
    const torch::Tensor logits = predictLogits(model, images, hooks, batch);
    const auto [c1, c5] = topkCorrect(logits, labels);
    EvalResult r;
    r.images = static_cast<int>(images.size(0));
    r.top1 = 100.0 * c1 / std::max(1, r.images);
    r.top5 = 100.0 * c5 / std::max(1, r.images);
    r.seconds = t.nsecsElapsed() / 1e9;
    return r;
}

std::vector<EvalResult> evaluateFolderPasses(VitModel& model, const ImageFolder& folder, int passes,
                                             const std::function<ForwardHooks*(int)>& setUp,
                                             int batch,
                                             const std::function<bool(int, int)>& progress) {
    if (!folder.labelled())
        throw Error(QString("%1: has no class sub-folders, so accuracy cannot be measured")
                        .arg(folder.root()));
    if (folder.classes().size() != model.info().numClasses)
        throw Error(QString("%1: has %2 class folders but the model has %3 classes")
                        .arg(folder.root())
                        .arg(folder.classes().size())
                        .arg(model.info().numClasses));
    QElapsedTimer t;
    t.start();
    const Preprocess pre = Preprocess::fromModel(model.info());
    std::vector<EvalResult> r(passes);
    std::vector<int64_t> c1(passes, 0), c5(passes, 0);
    QStringList failed;
    int images = 0;
    const int chunk = 2000;
    const int total = passes * folder.size();
    for (int b = 0; b < folder.size(); b += chunk) {
        const int e = std::min(b + chunk, folder.size());
        LoadedImages li;
        try {
            li = loadImages(folder, pre, b, e);
        } catch (const Error&) {
            // A chunk with no decodable image is not fatal while others decode.
            for (int i = b; i < e; ++i) failed << folder.items()[i].relative;
            continue;
        }
        failed << li.failed;
        images += static_cast<int>(li.images.size(0));
        // Every pass on the decoded chunk: decoding costs as much as a forward pass here.
        for (int p = 0; p < passes; ++p) {
            const torch::Tensor logits = predictLogits(model, li.images, setUp(p), batch);
            const auto [a, c] = topkCorrect(logits, li.labels);
            c1[p] += a;
            c5[p] += c;
            if (progress && !progress(p * folder.size() + e, total)) throw Error("cancelled");
        }
    }
    if (images == 0) throw Error(QString("%1: no image could be decoded").arg(folder.root()));
    for (int p = 0; p < passes; ++p) {
        r[p].images = images;
        r[p].failed = failed;
        r[p].top1 = 100.0 * c1[p] / images;
        r[p].top5 = 100.0 * c5[p] / images;
        r[p].seconds = t.nsecsElapsed() / 1e9;
    }
    return r;
}

EvalResult evaluateFolder(VitModel& model, const ImageFolder& folder, ForwardHooks* hooks,
                          int batch, const std::function<bool(int, int)>& progress) {
    return evaluateFolderPasses(
        model, folder, 1, [hooks](int) { return hooks; }, batch, progress)[0];
}

}  // namespace evolq
