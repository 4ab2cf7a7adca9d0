#include "data/Trainer.h"

#include <torch/torch.h>

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <cmath>

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Version.h"
#include "data/Evaluate.h"
#include "data/ImageFolder.h"
#include "data/ImageLoader.h"
#include "model/Runtime.h"
#include "model/VitModel.h"

namespace evolq {

namespace {

// Per-channel mean and std of [0, 1] pixels over already-decoded raw images.
void channelStats(const torch::Tensor& raw, std::vector<float>* mean, std::vector<float>* stdv) {
    const int64_t C = raw.size(1);
    const torch::Tensor x = raw.transpose(0, 1).reshape({C, -1}).to(torch::kFloat64);
    const torch::Tensor m = x.mean(1), sd = x.std(1);
    mean->clear();
    stdv->clear();
    for (int64_t c = 0; c < C; ++c) {
        mean->push_back(static_cast<float>(std::round(m[c].item<double>() * 1e4) / 1e4));
        stdv->push_back(static_cast<float>(std::round(sd[c].item<double>() * 1e4) / 1e4));
    }
}

// Random crop from a zero-padded copy (zero in normalized units is the data mean) plus flips.
torch::Tensor augment(const torch::Tensor& x, int pad, bool flip, torch::Generator& gen) {
    const int64_t N = x.size(0), S = x.size(2);
    torch::Tensor out = x;
    if (pad > 0) {
        const torch::Tensor padded = torch::constant_pad_nd(x, {pad, pad, pad, pad}, 0.0);
        const torch::Tensor offs = torch::randint(0, 2 * pad + 1, {N, 2}, gen, torch::kInt64);
        out = torch::empty_like(x);
        auto o = offs.accessor<int64_t, 2>();
        for (int64_t i = 0; i < N; ++i)
            out[i].copy_(padded[i].narrow(1, o[i][0], S).narrow(2, o[i][1], S));
    }
    if (flip) {
        const torch::Tensor mask = torch::rand({N, 1, 1, 1}, gen) < 0.5;
        out = torch::where(mask, out.flip({3}), out);
    }
    return out;
}

QString prettyClassName(QString folder) {
    static const QRegularExpression lead("^\\d+[_-]");
    folder.remove(lead);
    return folder;
}

}  // namespace

void trainModel(const TrainSettings& s, const std::function<void(const EpochReport&)>& onEpoch,
                const std::function<void(int, int, double)>& onStep) {
    if (s.epochs <= 0) throw Error("--epochs must be positive");
    if (s.heads <= 0 || s.width % s.heads != 0)
        throw Error(QString("width %1 is not divisible by %2 heads").arg(s.width).arg(s.heads));
    initRuntime(s.threads);
    torch::manual_seed(s.seed);
    ImageFolder train = ImageFolder::scan(s.trainDir);
    const ImageFolder val = ImageFolder::scan(s.valDir);
    if (!train.labelled())
        throw Error(QString("%1: needs class sub-folders to train").arg(s.trainDir));
    if (val.classes() != train.classes())
        throw Error(QString("%1: class folders differ from those of %2").arg(s.valDir, s.trainDir));
    if (s.limit > 0) train = train.subset(s.limit, s.seed);

    int w = 0, h = 0, c = 0;
    if (!probeImage(train.items().front().path, &w, &h, &c))
        throw Error(
            QString("%1: cannot decode the first training image").arg(train.items().front().path));
    if (w != h)
        throw Error(QString("%1: training images must be square (%2x%3)")
                        .arg(train.items().front().path)
                        .arg(w)
                        .arg(h));
    if (w % s.patch != 0)
        throw Error(QString("image size %1 is not a multiple of patch %2").arg(w).arg(s.patch));

    ModelInfo info;
    info.architecture = s.architecture;
    info.imageSize = w;
    info.patchSize = s.patch;
    info.channels = c;
    info.width = s.width;
    info.depth = s.depth;
    info.heads = s.heads;
    info.mlpHidden = s.width * s.mlpRatio;
    info.numClasses = train.classes().size();
    info.numPatches = (w / s.patch) * (w / s.patch);
    info.numPrefixTokens = 1;
    info.interpolation = "bilinear";
    info.cropPct = 1.0;
    for (const QString& f : train.classes()) info.labelNames << prettyClassName(f);

    // Decode everything once as raw [0, 1] pixels, then normalize with the training set's
    // statistics.
    Preprocess raw;
    raw.channels = c;
    raw.imageSize = w;
    raw.cropPct = 1.0;
    raw.mean.assign(c, 0.f);
    raw.std.assign(c, 1.f);
    LoadedImages tr = loadImages(train, raw);
    LoadedImages va = loadImages(val, raw);
    auto normalize = [&](torch::Tensor& t) {
        const torch::Tensor m = torch::tensor(info.mean).view({1, c, 1, 1});
        const torch::Tensor sd = torch::tensor(info.std).view({1, c, 1, 1});
        t.sub_(m).div_(sd);
    };

    std::shared_ptr<VitModel> model;
    if (!s.initDir.isEmpty()) {
        model = VitModel::load(s.initDir);
        const ModelInfo& m = model->info();
        if (m.channels != c || m.imageSize != w || m.numClasses != info.numClasses)
            throw Error(
                QString(
                    "%1: the model does not fit the training data (%2 channels, %3 px, %4 classes)")
                    .arg(s.initDir)
                    .arg(c)
                    .arg(w)
                    .arg(info.numClasses));
        // Keep the normalization the model was trained with.
        info = m;
        info.architecture = s.architecture;
        normalize(tr.images);
        normalize(va.images);
    } else {
        channelStats(tr.images, &info.mean, &info.std);
        normalize(tr.images);
        normalize(va.images);
        model = std::make_shared<VitModel>(info);
    }
    // No weight decay on norms, biases, tokens and position embedding, as timm does.
    std::vector<torch::Tensor> decay, noDecay;
    for (const auto& kv : model->named_parameters()) {
        if (kv.value().dim() <= 1 || kv.key().find("token") != std::string::npos ||
            kv.key() == "pos_embed")
            noDecay.push_back(kv.value());
        else
            decay.push_back(kv.value());
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(s.lr).weight_decay(s.weightDecay)));
    groups.emplace_back(noDecay, std::make_unique<torch::optim::AdamWOptions>(
                                     torch::optim::AdamWOptions(s.lr).weight_decay(0.0)));
    torch::optim::AdamW opt(std::move(groups), torch::optim::AdamWOptions(s.lr));

    const int64_t N = tr.images.size(0);
    const int64_t stepsPerEpoch = (N + s.batch - 1) / s.batch;
    const int64_t totalSteps = stepsPerEpoch * s.epochs;
    const int64_t warmSteps = static_cast<int64_t>(s.warmupEpochs * stepsPerEpoch);
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(s.seed + 1);
    QJsonArray history;
    QElapsedTimer total;
    total.start();
    int64_t step = 0;
    double lastVal = 0;
    for (int epoch = 1; epoch <= s.epochs; ++epoch) {
        QElapsedTimer et;
        et.start();
        model->train();
        const torch::Tensor perm = torch::randperm(N, gen, torch::kInt64);
        double lossSum = 0;
        int64_t correct = 0, seen = 0;
        double lr = s.lr;
        for (int64_t b = 0; b < stepsPerEpoch; ++b, ++step) {
            lr = step < warmSteps
                     ? s.lr * (step + 1) / warmSteps
                     : 0.5 * s.lr *
                           (1 + std::cos(M_PI * (step - warmSteps) /
                                         std::max<int64_t>(1, totalSteps - warmSteps)));
            for (auto& g : opt.param_groups())
                static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
            const torch::Tensor idx =
                perm.slice(0, b * s.batch, std::min<int64_t>(N, (b + 1) * s.batch));
            const torch::Tensor x =
                augment(tr.images.index_select(0, idx), s.cropPadding, s.flip, gen);
            const torch::Tensor y = tr.labels.index_select(0, idx);
            opt.zero_grad();
            const torch::Tensor logits = model->forward(x);
            const torch::Tensor loss = torch::nn::functional::cross_entropy(
                logits, y,
                torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(s.labelSmoothing));
            loss.backward();
            torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
            opt.step();
            lossSum += loss.item<double>() * idx.size(0);
            correct += logits.argmax(1).eq(y).sum().item<int64_t>();
            seen += idx.size(0);
            if (onStep)
                onStep(static_cast<int>(b + 1), static_cast<int>(stepsPerEpoch),
                       et.nsecsElapsed() / 1e9);
        }
        model->eval();
        const EvalResult ev = evaluateTensors(*model, va.images, va.labels);
        lastVal = ev.top1;
        EpochReport rep{epoch,
                        s.epochs,
                        lossSum / seen,
                        100.0 * correct / seen,
                        ev.top1,
                        et.nsecsElapsed() / 1e9,
                        lr};
        history.append(QJsonObject{{"epoch", epoch},
                                   {"loss", rep.loss},
                                   {"train_top1", rep.trainTop1},
                                   {"val_top1", rep.valTop1},
                                   {"seconds", rep.seconds}});
        if (onEpoch) onEpoch(rep);
        // Write after every epoch so that a long run interrupted still leaves a usable model.
        model->save(s.outDir, s.architecture);
        const QJsonObject settings{{"train", QDir(s.trainDir).absolutePath()},
                                   {"val", QDir(s.valDir).absolutePath()},
                                   {"epochs", s.epochs},
                                   {"seed", static_cast<qint64>(s.seed)},
                                   {"width", s.width},
                                   {"depth", s.depth},
                                   {"heads", s.heads},
                                   {"patch", s.patch},
                                   {"mlp_ratio", s.mlpRatio},
                                   {"batch", s.batch},
                                   {"lr", s.lr},
                                   {"weight_decay", s.weightDecay},
                                   {"warmup_epochs", s.warmupEpochs},
                                   {"label_smoothing", s.labelSmoothing},
                                   {"crop_padding", s.cropPadding},
                                   {"flip", s.flip},
                                   {"limit", s.limit},
                                   {"init", s.initDir},
                                   {"optimizer", "AdamW"},
                                   {"schedule", "linear warm-up + cosine"}};
        const QJsonObject doc{{"program_version", EVOLQ_VERSION},
                              {"runtime", runtimeDescription()},
                              {"settings", settings},
                              {"epochs_done", epoch},
                              {"history", history},
                              {"val_top1", lastVal},
                              {"parameters", static_cast<qint64>(countParameters(*model))},
                              {"train_images", static_cast<qint64>(N)},
                              {"seconds", total.nsecsElapsed() / 1e9}};
        writeFileAtomically(QDir(s.outDir).filePath("training.json"), QJsonDocument(doc).toJson());
    }
}

}  // namespace evolq
