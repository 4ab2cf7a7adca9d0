#include <QJsonArray>
#include <algorithm>

#include "Commands.h"
#include "Options.h"
#include "Output.h"
#include "data/ImageLoader.h"

namespace evolq::cli {

int cmdPredict(const QStringList& args) {
    CliArgs a("predict", "Top-k predictions of a model for every image in a folder.");
    addModelOption(a);
    a.option("images", "image folder (flat or one sub-folder per class)", "DIR");
    a.option("topk", "classes per image", "K", "5");
    a.flag("json", "print one JSON document with top-k and logits per image");
    if (!a.parse(args)) return 0;
    Session s;
    s.loadModel(modelArg(a));
    VitModel& model = s.model();
    const ImageFolder folder = ImageFolder::scan(a.required("images"));
    const int k = std::min(a.integer("topk", 1, 100000), model.info().numClasses);
    const LoadedImages li = loadImages(folder, Preprocess::fromModel(model.info()));
    for (const QString& f : li.failed) progress("skipped " + f);
    const torch::Tensor logits = predictLogits(model, li.images);
    const torch::Tensor probs = logits.softmax(1);
    const auto [tp, ti] = probs.topk(k, 1);
    // Sorted by file name relative to the folder.
    std::vector<int> order(li.items.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::sort(order.begin(), order.end(), [&](int x, int y) {
        return folder.items()[li.items[x]].relative < folder.items()[li.items[y]].relative;
    });
    QJsonArray images;
    for (int r : order) {
        const QString file = folder.items()[li.items[r]].relative;
        if (a.isSet("json")) {
            QJsonArray topk, lg;
            for (int j = 0; j < k; ++j)
                topk.append(QJsonArray{static_cast<int>(ti[r][j].item<int64_t>()),
                                       tp[r][j].item<double>()});
            const torch::Tensor row = logits[r].contiguous();
            for (int64_t c = 0; c < row.size(0); ++c)
                lg.append(static_cast<double>(row[c].item<float>()));
            images.append(QJsonObject{{"file", file}, {"topk", topk}, {"logits", lg}});
        } else {
            QStringList parts;
            for (int j = 0; j < k; ++j)
                parts << QString("%1 %2%")
                             .arg(
                                 model.info().className(static_cast<int>(ti[r][j].item<int64_t>())))
                             .arg(100.0 * tp[r][j].item<double>(), 0, 'f', 1);
            out(file + ": " + parts.join(", "));
        }
    }
    if (a.isSet("json")) {
        QJsonArray failed;
        for (const QString& f : li.failed) failed.append(f);
        printJson(QJsonObject{{"images", images}, {"failed", failed}});
    }
    return 0;
}

}  // namespace evolq::cli
