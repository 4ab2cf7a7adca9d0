#include "data/Evaluate.h"

#include <QElapsedTimer>

#include "common/Error.h"

namespace evolq {

std::pair<int64_t, int64_t> topkCorrect(const torch::Tensor& logits, const torch::Tensor& labels) {
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    const torch::Tensor top = std::get<1>(logits.topk(k, 1));
    const torch::Tensor hit = top.eq(labels.unsqueeze(1));
    return {hit.select(1, 0).sum().item<int64_t>(), hit.any(1).sum().item<int64_t>()};
}

torch::Tensor predictLogits(VitModel& model, const torch::Tensor& images, ForwardHooks* hooks,
                            int batch) {
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < images.size(0); i += batch)
        out.push_back(
            model.forward(images.slice(0, i, std::min<int64_t>(i + batch, images.size(0))), hooks));
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

EvalResult evaluateFolder(VitModel& model, const ImageFolder& folder, ForwardHooks* hooks,
                          int batch, const std::function<bool(int, int)>& progress) {
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
    EvalResult r;
    int64_t c1 = 0, c5 = 0;
    const int chunk = 2000;
    for (int b = 0; b < folder.size(); b += chunk) {
        LoadedImages li;
        try {
            li = loadImages(folder, pre, b, std::min(b + chunk, folder.size()));
        } catch (const Error&) {
            // A chunk with no decodable image is not fatal while others decode.
            for (int i = b; i < std::min(b + chunk, folder.size()); ++i)
                r.failed << folder.items()[i].relative;
            continue;
        }
        r.failed << li.failed;
        const torch::Tensor logits = predictLogits(model, li.images, hooks, batch);
        const auto [a, c] = topkCorrect(logits, li.labels);
        c1 += a;
        c5 += c;
        r.images += static_cast<int>(li.images.size(0));
        if (progress && !progress(std::min(b + chunk, folder.size()), folder.size()))
            throw Error("cancelled");
    }
    if (r.images == 0) throw Error(QString("%1: no image could be decoded").arg(folder.root()));
    r.top1 = 100.0 * c1 / r.images;
    r.top5 = 100.0 * c5 / r.images;
    r.seconds = t.nsecsElapsed() / 1e9;
    return r;
}

}  // namespace evolq
