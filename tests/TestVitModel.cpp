#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "common/Error.h"
#include "data/ImageFolder.h"
#include "data/ImageLoader.h"
#include "model/SafeTensors.h"
#include "model/VitModel.h"

using namespace evolq;
namespace nn = torch::nn;

namespace {

// An independent forward built from LibTorch's own modules (Conv2d, LayerNorm, MultiheadAttention,
// Linear, GELU), fed with the loaded parameters. It shares no code with VitModel's forward.
torch::Tensor referenceForward(VitModel& m, const torch::Tensor& images) {
    const ModelInfo& i = m.info();
    auto p = m.named_parameters();
    auto get = [&](const std::string& n) { return p[n]; };
    torch::NoGradGuard ng;
    nn::Conv2d conv(nn::Conv2dOptions(i.channels, i.width, i.patchSize).stride(i.patchSize));
    conv->weight.copy_(get("patch_embed.proj.weight"));
    conv->bias.copy_(get("patch_embed.proj.bias"));
    torch::Tensor x = conv->forward(images).flatten(2).transpose(1, 2);
    const int64_t N = x.size(0);
    std::vector<torch::Tensor> prefix;
    if (i.classToken) prefix.push_back(get("cls_token").expand({N, 1, i.width}));
    if (i.distilled) prefix.push_back(get("dist_token").expand({N, 1, i.width}));
    if (i.posEmbedHasPrefix) {
        prefix.push_back(x);
        x = torch::cat(prefix, 1) + get("pos_embed");
    } else {
        prefix.push_back(x + get("pos_embed"));
        x = torch::cat(prefix, 1);
    }
    auto ln = [&](const std::string& n) {
        nn::LayerNorm l(nn::LayerNormOptions({i.width}).eps(1e-6));
        l->weight.copy_(get(n + ".weight"));
        l->bias.copy_(get(n + ".bias"));
        return l;
    };
    auto lin = [&](const std::string& n) {
        const torch::Tensor w = get(n + ".weight");
        nn::Linear l(nn::LinearOptions(w.size(1), w.size(0)));
        l->weight.copy_(w);
        l->bias.copy_(get(n + ".bias"));
        return l;
    };
    for (int b = 0; b < i.depth; ++b) {
        const std::string pre = "blocks." + std::to_string(b) + ".";
        nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(i.width, i.heads));
        mha->in_proj_weight.copy_(get(pre + "attn.qkv.weight"));
        if (i.qkvBias)
            mha->in_proj_bias.copy_(get(pre + "attn.qkv.bias"));
        else
            mha->in_proj_bias.zero_();
        mha->out_proj->weight.copy_(get(pre + "attn.proj.weight"));
        mha->out_proj->bias.copy_(get(pre + "attn.proj.bias"));
        const torch::Tensor h = ln(pre + "norm1")->forward(x).transpose(0, 1);  // [T, N, D]
        x = x + std::get<0>(mha->forward(h, h, h)).transpose(0, 1);
        const torch::Tensor h2 =
            nn::GELU()->forward(lin(pre + "mlp.fc1")->forward(ln(pre + "norm2")->forward(x)));
        x = x + lin(pre + "mlp.fc2")->forward(h2);
    }
    if (i.globalPool == "avg") {
        torch::Tensor pooled = i.fcNorm
                                   ? x.slice(1, i.numPrefixTokens).mean(1)
                                   : ln("norm")->forward(x).slice(1, i.numPrefixTokens).mean(1);
        if (i.fcNorm) pooled = ln("fc_norm")->forward(pooled);
        return lin("head")->forward(pooled);
    }
    x = ln("norm")->forward(x);
    torch::Tensor out = lin("head")->forward(x.select(1, 0));
    if (i.distilled) out = (out + lin("head_dist")->forward(x.select(1, 1))) / 2;
    return out;
}

ModelInfo smallInfo() {
    ModelInfo i;
    i.architecture = "test_vit";
    i.imageSize = 32;
    i.patchSize = 8;
    i.channels = 3;
    i.width = 48;
    i.depth = 2;
    i.heads = 4;
    i.mlpHidden = 96;
    i.numClasses = 7;
    i.numPatches = 16;
    i.numPrefixTokens = 1;
    i.cropPct = 1.0;
    return i;
}

// Randomizes every parameter so that each one matters, saves, and reloads through the loader.
std::shared_ptr<VitModel> makeAndReload(const ModelInfo& info, const QString& dir) {
    torch::manual_seed(7);
    VitModel m(info);
    {
        torch::NoGradGuard ng;
        for (auto& t : m.parameters()) t.add_(torch::randn_like(t) * 0.2);
    }
    m.save(dir, info.architecture);
    return VitModel::load(dir);
}

void writeJson(const QString& path, const QJsonObject& o) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(o).toJson());
}

}  // namespace

class TestVitModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::set_num_threads(2); }

    void timmFixtureLogits() {
        const QString dir = QString(EVOLQ_SHARED_DIR) + "/fixtures/timm";
        const auto model = VitModel::load(dir + "/deit_tiny_d1");
        QCOMPARE(model->info().heads, 3);  // from the family name "tiny"
        QCOMPARE(model->info().depth, 1);
        QCOMPARE(model->info().numClasses, 1000);
        QFile ef(dir + "/deit_tiny_d1/expected_logits.json");
        QVERIFY(ef.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(ef.readAll()).object();
        const ImageFolder folder = ImageFolder::scan(dir + "/images");
        QCOMPARE(folder.size(), 8);
        const LoadedImages li = loadImages(folder, Preprocess::fromModel(model->info()));
        torch::NoGradGuard ng;
        const torch::Tensor logits = model->forward(li.images);
        double worst = 0;
        for (int r = 0; r < logits.size(0); ++r) {
            const QJsonArray e = expected.value(folder.items()[li.items[r]].relative).toArray();
            QCOMPARE(e.size(), 1000);
            for (int c = 0; c < 1000; ++c)
                worst = std::max(worst, std::abs(logits[r][c].item<double>() - e[c].toDouble()));
        }
        qInfo("largest |logit - timm| = %.3g", worst);
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
    }

    void variantsMatchReference_data() {
        QTest::addColumn<QString>("variant");
        for (const char* v : {"plain", "distilled", "avg_fc_norm", "avg_norm", "no_embed_class",
                              "gray_other_stats", "no_qkv_bias", "wide_patch4"})
            QTest::addRow("%s", v) << QString(v);
    }
    void variantsMatchReference() {
        QFETCH(QString, variant);
        ModelInfo i = smallInfo();
        if (variant == "distilled") {
            i.distilled = true;
            i.numPrefixTokens = 2;
        } else if (variant == "avg_fc_norm") {
            i.globalPool = "avg";
            i.fcNorm = true;
        } else if (variant == "avg_norm") {
            i.globalPool = "avg";
        } else if (variant == "no_embed_class") {
            i.posEmbedHasPrefix = false;
        } else if (variant == "gray_other_stats") {
            i.channels = 1;
            i.mean = {0.3f};
            i.std = {0.4f};
        } else if (variant == "no_qkv_bias") {
            i.qkvBias = false;
        } else if (variant == "wide_patch4") {
            i.width = 64;
            i.heads = 2;
            i.patchSize = 4;
            i.numPatches = 64;
            i.depth = 3;
        }
        QTemporaryDir dir;
        const auto m = makeAndReload(i, dir.path());
        QCOMPARE(m->info().distilled, i.distilled);
        QCOMPARE(m->info().globalPool, i.globalPool);
        QCOMPARE(m->info().fcNorm, i.fcNorm);
        QCOMPARE(m->info().posEmbedHasPrefix, i.posEmbedHasPrefix);
        QCOMPARE(m->info().qkvBias, i.qkvBias);
        QCOMPARE(m->info().patchSize, i.patchSize);
        QCOMPARE(m->info().mean, i.mean);
        torch::manual_seed(3);
        const torch::Tensor x = torch::randn({5, i.channels, i.imageSize, i.imageSize});
        torch::NoGradGuard ng;
        const torch::Tensor got = m->forward(x);
        const torch::Tensor ref = referenceForward(*m, x);
        QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{5, i.numClasses}));
        const double diff = (got - ref).abs().max().item<double>();
        QVERIFY2(diff < 1e-4, qPrintable(QString("%1: %2").arg(variant).arg(diff)));
        // Running the pieces from a cached block input gives the same logits.
        const torch::Tensor mid = m->runBlocks(0, 1, m->embed(x));
        const torch::Tensor split = m->head(m->runBlocks(1, i.depth, mid));
        QVERIFY((split - got).abs().max().item<double>() < 1e-6);
    }

    void headsFromFamilyOrError() {
        QTemporaryDir dir;
        ModelInfo i = smallInfo();
        i.heads = 6;
        i.width = 48;
        makeAndReload(i, dir.path());
        const QString cfgPath = dir.filePath("config.json");
        QFile f(cfgPath);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject cfg = QJsonDocument::fromJson(f.readAll()).object();
        f.close();
        QJsonObject margs = cfg.value("model_args").toObject();
        margs.remove("num_heads");
        cfg.insert("model_args", margs);
        cfg.insert("architecture", "deit_small_patch8");
        writeJson(cfgPath, cfg);
        QCOMPARE(VitModel::load(dir.path())->info().heads, 6);
        cfg.insert("architecture", "mystery_net");
        writeJson(cfgPath, cfg);
        try {
            VitModel::load(dir.path());
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(e.message().contains("model_args") && e.message().contains("num_heads"),
                     qPrintable(e.message()));
            QVERIFY(e.message().contains("config.json"));
        }
    }

    void tensorErrors_data() {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("expected");
        QTest::addRow("missing") << "drop:blocks.1.mlp.fc2.bias"
                                 << "missing tensor 'blocks.1.mlp.fc2.bias'";
        QTest::addRow("unexpected") << "add:blocks.0.extra"
                                    << "unexpected tensor 'blocks.0.extra'";
        QTest::addRow("wrong shape") << "shape:blocks.1.attn.proj.weight"
                                     << "tensor 'blocks.1.attn.proj.weight' has shape";
        QTest::addRow("gap in blocks") << "dropblock:0"
                                       << "block 0 is missing";
    }
    void tensorErrors() {
        QFETCH(QString, edit);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const auto m = makeAndReload(smallInfo(), dir.path());
        const QString stPath = dir.filePath("model.safetensors");
        const SafeTensorsFile st = SafeTensorsFile::read(stPath);
        std::vector<NamedFloatTensor> out;
        const QString op = edit.section(':', 0, 0), arg = edit.section(':', 1);
        for (const TensorEntry& e : st.tensors()) {
            if (op == "drop" && e.name == arg) continue;
            if (op == "dropblock" && e.name.startsWith("blocks." + arg + ".")) continue;
            NamedFloatTensor t{e.name, e.shape, st.toFloat(e)};
            if (op == "shape" && e.name == arg) t.shape = {e.shape[1], e.shape[0] / 2, 2};
            out.push_back(t);
        }
        if (op == "add") out.push_back({arg, {1}, {0.f}});
        writeSafeTensors(stPath, out);
        try {
            VitModel::load(dir.path());
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(e.message().contains(expected), qPrintable(e.message()));
            QVERIFY2(e.message().contains("model.safetensors"), qPrintable(e.message()));
        }
    }

    void missingFolderAndConfig() {
        QTemporaryDir dir;
        try {
            VitModel::load(dir.path());
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(e.message().contains("config.json") && e.message().contains("not found"),
                     qPrintable(e.message()));
        }
        QFile f(dir.filePath("config.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{ not json");
        f.close();
        try {
            VitModel::load(dir.path());
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(e.message().contains("not valid JSON"), qPrintable(e.message()));
        }
    }

    void stableNames() {
        VitModel m(smallInfo());
        const QStringList layers = m.layerNames();
        QCOMPARE(layers.value(m.layerIndex(1, kProj)), QString("blocks.1.attn.proj"));
        QCOMPARE(layers.value(m.headLayer()), QString("head"));
        const QStringList points = m.pointNames();
        QCOMPARE(points.value(m.pointIndex(1, kAttnProbs)), QString("blocks.1.attn.probs"));
        QCOMPARE(points.value(m.logitsPoint()), QString("head.out"));
        QVERIFY(m.isLayerNormInput(m.pointIndex(0, kResidual1)));
        QVERIFY(!m.isLayerNormInput(m.pointIndex(0, kGeluOut)));
    }
};

QTEST_GUILESS_MAIN(TestVitModel)
#include "TestVitModel.moc"
