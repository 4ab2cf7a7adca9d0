#include "model/VitModel.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <cmath>

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "model/Runtime.h"
#include "model/SafeTensors.h"

namespace evolq {

namespace F = torch::nn::functional;

namespace {

// A child module used only to give parameters timm's dotted names.
struct Node : torch::nn::Module {
    using torch::nn::Module::register_module;
    using torch::nn::Module::register_parameter;
};

class Registrar {
public:
    explicit Registrar(torch::nn::Module* root) : m_root(root) {}
    torch::Tensor add(const QString& dotted, torch::Tensor t) {
        const QStringList parts = dotted.split('.');
        torch::nn::Module* parent = m_root;
        QString path;
        for (int i = 0; i + 1 < parts.size(); ++i) {
            path += (i ? "." : "") + parts[i];
            auto it = m_nodes.find(path);
            if (it == m_nodes.end()) {
                auto node = std::make_shared<Node>();
                if (parent == m_root)
                    static_cast<VitModel*>(m_root)->register_module(parts[i].toStdString(), node);
                else
                    static_cast<Node*>(parent)->register_module(parts[i].toStdString(), node);
                it = m_nodes.insert(path, node);
            }
            parent = it.value().get();
        }
        const std::string leaf = parts.last().toStdString();
        if (parent == m_root) return static_cast<VitModel*>(m_root)->register_parameter(leaf, t);
        return static_cast<Node*>(parent)->register_parameter(leaf, t);
    }

private:
    torch::nn::Module* m_root;
    QMap<QString, std::shared_ptr<Node>> m_nodes;
};

torch::Tensor trunc(std::vector<int64_t> shape, double std) {
    return torch::randn(shape).mul_(std).clamp_(-2 * std, 2 * std);
}

QJsonObject readJsonObject(const QString& path) {
    QFile f(path);
    if (!f.exists()) throw Error(QString("%1: file not found").arg(path));
    if (!f.open(QIODevice::ReadOnly))
        throw Error(QString("%1: cannot open: %2").arg(path, f.errorString()));
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError)
        throw Error(QString("%1: not valid JSON (%2 at byte %3)")
                        .arg(path, err.errorString())
                        .arg(err.offset));
    if (!doc.isObject()) throw Error(QString("%1: expected a JSON object").arg(path));
    return doc.object();
}

std::vector<float> floatList(const QJsonValue& v) {
    std::vector<float> out;
    for (const QJsonValue& x : v.toArray()) out.push_back(static_cast<float>(x.toDouble()));
    return out;
}

QString jsonTypeName(QJsonValue::Type t) {
    switch (t) {
        case QJsonValue::Null:
            return "null";
        case QJsonValue::Bool:
            return "a boolean";
        case QJsonValue::Double:
            return "a number";
        case QJsonValue::String:
            return "a string";
        case QJsonValue::Array:
            return "a list";
        case QJsonValue::Object:
            return "an object";
        case QJsonValue::Undefined:
            break;
    }
    return "undefined";
}

// A field of config.json that is there must have its type: read with a default, a wrong type
// would pass unnoticed (num_classes "ten" read as the head's row count).
void checkConfigTypes(const QJsonObject& cfg, const QString& path) {
    struct Field {
        const char* key;
        QJsonValue::Type type;
    };
    auto check = [&](const QJsonObject& o, const QString& prefix,
                     std::initializer_list<Field> fields) {
        for (const Field& f : fields) {
            if (!o.contains(f.key)) continue;
            const QJsonValue v = o.value(f.key);
            if (v.type() != f.type)
                throw Error(
                    QString("%1: %2%3 must be %4, not %5")
                        .arg(path, prefix, f.key, jsonTypeName(f.type), jsonTypeName(v.type())));
        }
    };
    using T = QJsonValue::Type;
    check(cfg, "",
          {{"architecture", T::String},
           {"global_pool", T::String},
           {"num_classes", T::Double},
           {"label_names", T::Array},
           {"model_args", T::Object},
           {"pretrained_cfg", T::Object}});
    check(cfg.value("model_args").toObject(), "model_args.",
          {{"num_heads", T::Double}, {"global_pool", T::String}});
    const QJsonObject pcfg = cfg.value("pretrained_cfg").toObject();
    check(pcfg, "pretrained_cfg.",
          {{"input_size", T::Array},
           {"mean", T::Array},
           {"std", T::Array},
           {"interpolation", T::String},
           {"crop_pct", T::Double},
           {"crop_mode", T::String}});
    for (const char* list : {"input_size", "mean", "std"})
        for (const QJsonValue& v : pcfg.value(list).toArray())
            if (!v.isDouble())
                throw Error(QString("%1: pretrained_cfg.%2 must hold numbers, not %3")
                                .arg(path, list, jsonTypeName(v.type())));
    for (const QJsonValue& v : cfg.value("label_names").toArray())
        if (!v.isString())
            throw Error(QString("%1: label_names must hold strings, not %2")
                            .arg(path, jsonTypeName(v.type())));
}

QString sha256Of(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw Error(QString("%1: cannot open: %2").arg(path, f.errorString()));
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return QString::fromLatin1(h.result().toHex());
}

// Attention's products run per image and head on strided views of qkv [N, T, 3D] (q, k, v side
// by side, heads side by side in each): through the BLAS directly where no gradient is needed,
// which spares the copies that make the views contiguous and a tensor operation per product
// (for a small model those cost as much as the products). The BLAS sees the same operands in the
// same layout as under LibTorch's batched product (for the scores, k transposed into a small
// buffer: q k^T as an 'N', 'N' product), so the values are the same bit for bit
// (TestFusedForward::fusedEqualsPlain). With gradients, or without sgemm_,
// LibTorch's batched products.
bool directAttention(const torch::Tensor& t) {
    return !t.requires_grad() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() &&
           haveGemmRowMajor();
}

// q k^T / sqrt(head dim) per image and head: [N, heads, T, T].
torch::Tensor attentionScores(const torch::Tensor& qkv, int64_t heads) {
    const int64_t N = qkv.size(0), T = qkv.size(1), D = qkv.size(2) / 3, hd = D / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    if (!directAttention(qkv)) {
        const torch::Tensor p = qkv.reshape({N, T, 3, heads, hd}).permute({2, 0, 3, 1, 4});
        return torch::matmul(p[0] * scale, p[1].transpose(-2, -1));
    }
    const torch::Tensor q = qkv.slice(2, 0, D) * scale;  // [N, T, D], contiguous
    torch::Tensor s = torch::empty({N, heads, T, T}, qkv.options());
    const float* qp = q.data_ptr<float>();
    const float* kp = qkv.data_ptr<float>() + D;
    float* sp = s.data_ptr<float>();
    std::vector<float> kt(static_cast<size_t>(hd * T));  // one head's k^T [hd, T]
    for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < heads; ++h) {
            const float* k = kp + n * T * 3 * D + h * hd;
            for (int64_t t = 0; t < T; ++t)
                for (int64_t d = 0; d < hd; ++d) kt[d * T + t] = k[t * 3 * D + d];
            gemmRowMajor(false, false, T, T, hd, 1.0f, qp + n * T * D + h * hd, D, kt.data(), T,
                         0.0f, sp + (n * heads + h) * T * T, T);
        }
    return s;
}

// The attention probabilities [N, heads, T, T] times v, heads merged: [N, T, D].
torch::Tensor attentionValues(const torch::Tensor& probsIn, const torch::Tensor& qkv,
                              int64_t heads) {
    const int64_t N = qkv.size(0), T = qkv.size(1), D = qkv.size(2) / 3, hd = D / heads;
    const torch::Tensor probs = probsIn.contiguous();
    if (!directAttention(qkv) || !directAttention(probs)) {
        const torch::Tensor v = qkv.reshape({N, T, 3, heads, hd}).permute({2, 0, 3, 1, 4})[2];
        return torch::matmul(probsIn, v).transpose(1, 2).reshape({N, T, D});
    }
    torch::Tensor o = torch::empty({N, T, D}, qkv.options());
    const float* pp = probs.data_ptr<float>();
    const float* vp = qkv.data_ptr<float>() + 2 * D;
    float* op = o.data_ptr<float>();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < heads; ++h)
            gemmRowMajor(false, false, T, hd, T, 1.0f, pp + (n * heads + h) * T * T, T,
                         vp + n * T * 3 * D + h * hd, 3 * D, 0.0f, op + n * T * D + h * hd, D);
    return o;
}

}  // namespace

VitModel::VitModel(const ModelInfo& info) : m_info(info) {
    const int64_t D = info.width, C = info.channels, p = info.patchSize, H = info.mlpHidden;
    const int64_t T = info.numPatches + (info.posEmbedHasPrefix ? info.numPrefixTokens : 0);
    m_patch.weight = trunc({D, C, p, p}, 0.02);
    m_patch.bias = torch::zeros({D});
    if (info.classToken) m_cls = trunc({1, 1, D}, 0.02);
    if (info.distilled) m_dist = trunc({1, 1, D}, 0.02);
    m_pos = trunc({1, T, D}, 0.02);
    m_blocks.resize(info.depth);
    for (Block& b : m_blocks) {
        b.n1w = torch::ones({D});
        b.n1b = torch::zeros({D});
        b.n2w = torch::ones({D});
        b.n2b = torch::zeros({D});
        b.qkv = {trunc({3 * D, D}, 0.02), info.qkvBias ? torch::zeros({3 * D}) : torch::Tensor()};
        b.proj = {trunc({D, D}, 0.02), torch::zeros({D})};
        b.fc1 = {trunc({H, D}, 0.02), torch::zeros({H})};
        b.fc2 = {trunc({D, H}, 0.02), torch::zeros({D})};
        if (info.layerScale) {
            b.ls1 = torch::full({D}, 1e-5);
            b.ls2 = torch::full({D}, 1e-5);
        }
    }
    m_normW = torch::ones({D});
    m_normB = torch::zeros({D});
    m_head = {trunc({info.numClasses, D}, 0.02), torch::zeros({info.numClasses})};
    if (info.distilled)
        m_headDist = {trunc({info.numClasses, D}, 0.02), torch::zeros({info.numClasses})};
    registerAll();
}

void VitModel::registerAll() {
    Registrar r(this);
    if (m_cls.defined()) m_cls = r.add("cls_token", m_cls);
    if (m_dist.defined()) m_dist = r.add("dist_token", m_dist);
    m_pos = r.add("pos_embed", m_pos);
    m_patch.weight = r.add("patch_embed.proj.weight", m_patch.weight);
    m_patch.bias = r.add("patch_embed.proj.bias", m_patch.bias);
    for (int i = 0; i < static_cast<int>(m_blocks.size()); ++i) {
        Block& b = m_blocks[i];
        const QString pre = QString("blocks.%1.").arg(i);
        b.n1w = r.add(pre + "norm1.weight", b.n1w);
        b.n1b = r.add(pre + "norm1.bias", b.n1b);
        b.qkv.weight = r.add(pre + "attn.qkv.weight", b.qkv.weight);
        if (b.qkv.bias.defined()) b.qkv.bias = r.add(pre + "attn.qkv.bias", b.qkv.bias);
        b.proj.weight = r.add(pre + "attn.proj.weight", b.proj.weight);
        b.proj.bias = r.add(pre + "attn.proj.bias", b.proj.bias);
        if (b.ls1.defined()) b.ls1 = r.add(pre + "ls1.gamma", b.ls1);
        b.n2w = r.add(pre + "norm2.weight", b.n2w);
        b.n2b = r.add(pre + "norm2.bias", b.n2b);
        b.fc1.weight = r.add(pre + "mlp.fc1.weight", b.fc1.weight);
        b.fc1.bias = r.add(pre + "mlp.fc1.bias", b.fc1.bias);
        b.fc2.weight = r.add(pre + "mlp.fc2.weight", b.fc2.weight);
        b.fc2.bias = r.add(pre + "mlp.fc2.bias", b.fc2.bias);
        if (b.ls2.defined()) b.ls2 = r.add(pre + "ls2.gamma", b.ls2);
    }
    const QString normName = m_info.fcNorm ? "fc_norm" : "norm";
    m_normW = r.add(normName + ".weight", m_normW);
    m_normB = r.add(normName + ".bias", m_normB);
    m_head.weight = r.add("head.weight", m_head.weight);
    m_head.bias = r.add("head.bias", m_head.bias);
    if (m_info.distilled) {
        m_headDist.weight = r.add("head_dist.weight", m_headDist.weight);
        m_headDist.bias = r.add("head_dist.bias", m_headDist.bias);
    }
    m_layers.clear();
    m_layers.push_back(&m_patch);
    for (Block& b : m_blocks) {
        m_layers.push_back(&b.qkv);
        m_layers.push_back(&b.proj);
        m_layers.push_back(&b.fc1);
        m_layers.push_back(&b.fc2);
    }
    m_layers.push_back(&m_head);
    if (m_info.distilled) m_layers.push_back(&m_headDist);
    m_info.parameters = countParameters(*this);
}

long long countParameters(const VitModel& m) {
    long long n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

QStringList VitModel::layerNames() const {
    QStringList names{"patch_embed.proj"};
    for (int b = 0; b < m_info.depth; ++b) {
        const QString pre = QString("blocks.%1.").arg(b);
        names << pre + "attn.qkv" << pre + "attn.proj" << pre + "mlp.fc1" << pre + "mlp.fc2";
    }
    names << "head";
    if (m_info.distilled) names << "head_dist";
    return names;
}

QStringList VitModel::pointNames() const {
    QStringList names{"input", "patch_embed.out", "pos_embed.out"};
    static const char* kBlock[kPointsPerBlock] = {"norm1.out",     "attn.qkv.out", "attn.scores",
                                                  "attn.probs",    "attn.out",     "attn.proj.out",
                                                  "residual1.out", "norm2.out",    "mlp.act.out",
                                                  "mlp.fc2.out",   "residual2.out"};
    for (int b = 0; b < m_info.depth; ++b)
        for (int p = 0; p < kPointsPerBlock; ++p)
            names << QString("blocks.%1.%2").arg(b).arg(kBlock[p]);
    names << "norm.out"
          << "head.out";
    return names;
}

bool VitModel::isLayerNormInput(int point) const {
    if (point == 2) return true;  // pos_embed.out feeds blocks.0.norm1
    if (point < 3 || point >= normOutPoint()) return false;
    const int p = (point - 3) % kPointsPerBlock;
    // residual2 of the last block feeds the final norm only when the final norm sees tokens.
    return p == kResidual1 || p == kResidual2;
}

std::pair<torch::Tensor, torch::Tensor> VitModel::linearParams(int layerIdx,
                                                               ForwardHooks* hooks) const {
    const Linear& l = *m_layers[layerIdx];
    return {hooks ? hooks->weight(layerIdx, l.weight) : l.weight,
            hooks && l.bias.defined() ? hooks->bias(layerIdx, l.bias) : l.bias};
}

torch::Tensor VitModel::linear(int layerIdx, const torch::Tensor& x, ForwardHooks* hooks) {
    const auto [w, b] = linearParams(layerIdx, hooks);
    return F::linear(x, w, b);
}

torch::Tensor VitModel::embed(const torch::Tensor& images, ForwardHooks* hooks) {
    torch::Tensor x = hooks ? hooks->activation(0, images) : images;
    const torch::Tensor w = hooks ? hooks->weight(0, m_patch.weight) : m_patch.weight;
    x = F::conv2d(x, w, F::Conv2dFuncOptions().bias(m_patch.bias).stride(m_info.patchSize));
    x = x.flatten(2).transpose(1, 2);  // [N, P, D]
    if (hooks) x = hooks->activation(1, x);
    const int64_t n = x.size(0);
    std::vector<torch::Tensor> prefix;
    if (m_cls.defined()) prefix.push_back(m_cls.expand({n, -1, -1}));
    if (m_dist.defined()) prefix.push_back(m_dist.expand({n, -1, -1}));
    if (m_info.posEmbedHasPrefix) {
        prefix.push_back(x);
        x = torch::cat(prefix, 1) + m_pos;
    } else {
        x = x + m_pos;
        prefix.push_back(x);
        x = torch::cat(prefix, 1);
    }
    if (hooks) x = hooks->activation(2, x);
    return x;
}

namespace {

// Fake-quantizes t in place (t is a fresh output of the operation before, contiguous, float).
void quantizeInPlace(torch::Tensor& t, const AffineQuant& q) {
    if (q.identity()) return;
    if (!t.is_contiguous()) t = t.contiguous();
    fakeQuantizeRows(t.data_ptr<float>(), t.data_ptr<float>(), t.numel() / q.channels, q);
}

// The product of a linear layer without its bias, [N, T, out]: what F::linear computes before it
// adds the bias (the same torch::mm), the bias left to linearEpilogue.
torch::Tensor product(const torch::Tensor& x, const torch::Tensor& w) {
    return torch::mm(x.reshape({-1, x.size(-1)}), w.t()).view({x.size(0), x.size(1), w.size(0)});
}

const float* dataOrNull(const torch::Tensor& t) {
    return t.defined() ? t.data_ptr<float>() : nullptr;
}

// linearEpilogue on tensors: y (a fresh, contiguous product) = qr(residual + qy(y + bias)), with
// no residual when `residual` is undefined.
void epilogueInPlace(torch::Tensor& y, const torch::Tensor& bias, const AffineQuant& qy,
                     const torch::Tensor& residual = {}, const AffineQuant& qr = {}) {
    const int64_t cols = y.size(-1);
    linearEpilogue(y.data_ptr<float>(), y.numel() / cols, cols, dataOrNull(bias), qy,
                   dataOrNull(residual), qr);
}

}  // namespace

bool VitModel::fusedQuantization(int bi, const torch::Tensor& xin, ForwardHooks* hooks,
                                 AffineQuant* q) const {
    // In place only where nothing records the operations for a gradient.
    if (at::GradMode::is_enabled() || xin.requires_grad() || xin.scalar_type() != torch::kFloat32 ||
        xin.dim() != 3)
        return false;
    const int64_t D = m_info.width, T = xin.size(1), M = m_info.mlpHidden;
    const int64_t lastDim[kPointsPerBlock] = {D, 3 * D, T, T, D, D, D, D, M, D, D};
    const int64_t dims[kPointsPerBlock] = {3, 3, 4, 4, 3, 3, 3, 3, 3, 3, 3};
    for (int p = 0; p < kPointsPerBlock; ++p) {
        if (!hooks) {
            q[p] = AffineQuant{};
        } else if (!hooks->affineActivation(pointIndex(bi, static_cast<BlockPoint>(p)), dims[p],
                                            lastDim[p], &q[p])) {
            return false;
        }
    }
    return true;
}

torch::Tensor VitModel::runBlock(int bi, const torch::Tensor& xin, ForwardHooks* hooks) {
    const Block& b = m_blocks[bi];
    const int64_t D = m_info.width, Hh = m_info.heads;
    auto norm = [&](const torch::Tensor& t, const torch::Tensor& w, const torch::Tensor& bias) {
        return F::layer_norm(t, F::LayerNormFuncOptions({D}).weight(w).bias(bias).eps(1e-6));
    };
    AffineQuant q[kPointsPerBlock];
    if (fusedQuantization(bi, xin, hooks, q)) {
        // The same operations and values as below (bit for bit: TestVitModel), with each
        // activation's fake quantization applied in place to the fresh output before it, and a
        // linear layer's bias, quantization and residual sum in one pass after its product: no
        // tensor allocated and written for a quantized copy, no operation dispatched for it.
        auto weights = [&](BlockLayer l, torch::Tensor& w, torch::Tensor& bias) {
            std::tie(w, bias) = linearParams(layerIndex(bi, l), hooks);
            if (bias.defined()) bias = bias.contiguous();
        };
        // y = product + bias, quantized at `point`; then quantized again at `resPoint` after the
        // residual sum (a layer scale between them takes its own pass).
        auto withResidual = [&](torch::Tensor& y, const torch::Tensor& bias, BlockPoint point,
                                const torch::Tensor& ls, const torch::Tensor& residual,
                                BlockPoint resPoint) {
            if (ls.defined()) {
                epilogueInPlace(y, bias, q[point]);
                y.mul_(ls);
                epilogueInPlace(y, {}, AffineQuant{}, residual, q[resPoint]);
            } else {
                epilogueInPlace(y, bias, q[point], residual, q[resPoint]);
            }
        };
        torch::Tensor w, bias;
        torch::Tensor h = norm(xin, b.n1w, b.n1b);
        quantizeInPlace(h, q[kNorm1Out]);
        weights(kQkv, w, bias);
        torch::Tensor qkv = product(h, w);
        epilogueInPlace(qkv, bias, q[kQkvOut]);
        torch::Tensor attn = attentionScores(qkv, Hh);
        quantizeInPlace(attn, q[kAttnScores]);
        at::_softmax_out(attn, attn, -1, false);
        quantizeInPlace(attn, q[kAttnProbs]);
        torch::Tensor o = attentionValues(attn, qkv, Hh);
        quantizeInPlace(o, q[kAttnOut]);
        weights(kProj, w, bias);
        const torch::Tensor x0 = xin.contiguous();
        torch::Tensor x = product(o, w);
        withResidual(x, bias, kProjOut, b.ls1, x0, kResidual1);
        h = norm(x, b.n2w, b.n2b);
        quantizeInPlace(h, q[kNorm2Out]);
        weights(kFc1, w, bias);
        h = product(h, w);
        epilogueInPlace(h, bias, AffineQuant{});
        torch::gelu_(h);
        quantizeInPlace(h, q[kGeluOut]);
        weights(kFc2, w, bias);
        torch::Tensor y = product(h, w);
        withResidual(y, bias, kFc2Out, b.ls2, x, kResidual2);
        return y;
    }
    const int base = pointIndex(bi, kNorm1Out);
    auto act = [&](int p, torch::Tensor t) { return hooks ? hooks->activation(base + p, t) : t; };
    torch::Tensor x = xin;
    torch::Tensor h = act(kNorm1Out, norm(x, b.n1w, b.n1b));
    const torch::Tensor qkv = act(kQkvOut, linear(layerIndex(bi, kQkv), h, hooks));
    torch::Tensor attn = act(kAttnScores, attentionScores(qkv, Hh));
    attn = act(kAttnProbs, attn.softmax(-1));
    torch::Tensor o = act(kAttnOut, attentionValues(attn, qkv, Hh));
    o = act(kProjOut, linear(layerIndex(bi, kProj), o, hooks));
    if (b.ls1.defined()) o = o * b.ls1;
    x = act(kResidual1, x + o);
    h = act(kNorm2Out, norm(x, b.n2w, b.n2b));
    h = act(kGeluOut, torch::gelu(linear(layerIndex(bi, kFc1), h, hooks)));
    h = act(kFc2Out, linear(layerIndex(bi, kFc2), h, hooks));
    if (b.ls2.defined()) h = h * b.ls2;
    return act(kResidual2, x + h);
}

torch::Tensor VitModel::runBlocks(int from, int to, torch::Tensor x, ForwardHooks* hooks) {
    for (int b = from; b < to; ++b) x = runBlock(b, x, hooks);
    return x;
}

torch::Tensor VitModel::head(const torch::Tensor& tokens, ForwardHooks* hooks) {
    const int64_t D = m_info.width;
    auto norm = [&](const torch::Tensor& t) {
        torch::Tensor y =
            F::layer_norm(t, F::LayerNormFuncOptions({D}).weight(m_normW).bias(m_normB).eps(1e-6));
        return hooks ? hooks->activation(normOutPoint(), y) : y;
    };
    torch::Tensor x = m_info.fcNorm ? tokens : norm(tokens);
    torch::Tensor logits;
    if (m_info.globalPool == "avg") {
        torch::Tensor pooled = x.slice(1, m_info.numPrefixTokens).mean(1);
        if (m_info.fcNorm) pooled = norm(pooled);
        logits = linear(headLayer(), pooled, hooks);
    } else {
        logits = linear(headLayer(), x.select(1, 0), hooks);
        if (m_info.distilled)
            logits = (logits + linear(headLayer() + 1, x.select(1, 1), hooks)) / 2;
    }
    return hooks ? hooks->activation(logitsPoint(), logits) : logits;
}

torch::Tensor VitModel::forward(const torch::Tensor& images, ForwardHooks* hooks) {
    torch::Tensor x = embed(images, hooks);
    x = runBlocks(0, m_info.depth, x, hooks);
    return head(x, hooks);
}

std::shared_ptr<VitModel> VitModel::load(const QString& folderIn) {
    const QString folder = QDir(folderIn).absolutePath();
    if (!QFileInfo::exists(folder))
        throw Error(QString("%1: model folder not found").arg(folderIn));
    if (!QFileInfo(folder).isDir())
        throw Error(
            QString("%1: not a folder (a model folder holds config.json and model.safetensors)")
                .arg(folderIn));
    const QString cfgPath = QDir(folder).filePath("config.json");
    const QString stPath = QDir(folder).filePath("model.safetensors");
    const QJsonObject cfg = readJsonObject(cfgPath);
    checkConfigTypes(cfg, cfgPath);
    const SafeTensorsFile st = SafeTensorsFile::read(stPath);

    auto shapeOf = [&](const QString& name, bool required = true) -> std::vector<int64_t> {
        const TensorEntry* e = st.find(name);
        if (!e) {
            if (required) throw Error(QString("%1: missing tensor '%2'").arg(stPath, name));
            return {};
        }
        return e->shape;
    };
    auto bad = [&](const QString& what) { return Error(QString("%1: %2").arg(stPath, what)); };
    auto fmt = [](const std::vector<int64_t>& s) {
        QStringList p;
        for (int64_t d : s) p << QString::number(d);
        return "[" + p.join(", ") + "]";
    };

    ModelInfo info;
    info.folder = folder;
    info.architecture = cfg.value("architecture").toString();
    const QJsonObject margs = cfg.value("model_args").toObject();
    const QJsonObject pcfg = cfg.value("pretrained_cfg").toObject();

    const auto pw = shapeOf("patch_embed.proj.weight");
    if (pw.size() != 4 || pw[2] != pw[3])
        throw bad(
            QString(
                "patch_embed.proj.weight has shape %1, expected [width, channels, patch, patch]")
                .arg(fmt(pw)));
    info.width = static_cast<int>(pw[0]);
    info.channels = static_cast<int>(pw[1]);
    info.patchSize = static_cast<int>(pw[2]);
    info.classToken = st.find("cls_token") != nullptr;
    info.distilled = st.find("dist_token") != nullptr;
    info.numPrefixTokens = (info.classToken ? 1 : 0) + (info.distilled ? 1 : 0);
    info.fcNorm = st.find("fc_norm.weight") != nullptr;
    info.globalPool =
        cfg.value("global_pool")
            .toString(margs.value("global_pool").toString(info.classToken ? "token" : "avg"));
    if (info.globalPool.isEmpty()) info.globalPool = "token";
    if (info.globalPool != "token" && info.globalPool != "avg")
        throw Error(QString("%1: global_pool '%2' is not supported (token or avg)")
                        .arg(cfgPath, info.globalPool));
    if (info.globalPool == "token" && !info.classToken)
        throw bad("global_pool is 'token' but the file has no cls_token");

    QSet<int> blockIds;
    static const QRegularExpression blockRe("^blocks\\.(\\d+)\\.");
    for (const TensorEntry& e : st.tensors()) {
        const auto m = blockRe.match(e.name);
        if (m.hasMatch()) blockIds.insert(m.captured(1).toInt());
    }
    info.depth = blockIds.size();
    if (info.depth == 0) throw bad("no transformer blocks (blocks.N.*) found");
    for (int i = 0; i < info.depth; ++i)
        if (!blockIds.contains(i))
            throw bad(QString("blocks are not numbered 0..%1: block %2 is missing")
                          .arg(info.depth - 1)
                          .arg(i));

    const auto hw = shapeOf("head.weight");
    if (hw.size() != 2)
        throw bad(QString("head.weight has shape %1, expected [classes, width]").arg(fmt(hw)));
    info.numClasses = static_cast<int>(hw[0]);
    const auto f1 = shapeOf("blocks.0.mlp.fc1.weight");
    if (f1.size() != 2) throw bad(QString("blocks.0.mlp.fc1.weight has shape %1").arg(fmt(f1)));
    info.mlpHidden = static_cast<int>(f1[0]);
    info.layerScale = st.find("blocks.0.ls1.gamma") != nullptr;

    const auto pos = shapeOf("pos_embed");
    if (pos.size() != 3 || pos[0] != 1 || pos[2] != info.width)
        throw bad(QString("pos_embed has shape %1, expected [1, tokens, %2]")
                      .arg(fmt(pos))
                      .arg(info.width));
    const QJsonArray inputSize = pcfg.value("input_size").toArray();
    if (inputSize.size() == 3) {
        const int c = inputSize[0].toInt(), h = inputSize[1].toInt(), w = inputSize[2].toInt();
        if (h != w)
            throw Error(QString("%1: input_size %2x%3 is not square").arg(cfgPath).arg(h).arg(w));
        if (c != info.channels)
            throw Error(
                QString("%1: input_size has %2 channels but patch_embed.proj.weight takes %3")
                    .arg(cfgPath)
                    .arg(c)
                    .arg(info.channels));
        info.imageSize = h;
    } else {
        const int side = static_cast<int>(
            std::lround(std::sqrt(static_cast<double>(pos[1] - info.numPrefixTokens))));
        info.imageSize = side * info.patchSize;
    }
    if (info.imageSize % info.patchSize != 0)
        throw Error(QString("%1: image size %2 is not a multiple of the patch size %3")
                        .arg(cfgPath)
                        .arg(info.imageSize)
                        .arg(info.patchSize));
    const int g = info.imageSize / info.patchSize;
    info.numPatches = g * g;
    if (pos[1] == info.numPatches + info.numPrefixTokens)
        info.posEmbedHasPrefix = true;
    else if (pos[1] == info.numPatches && info.numPrefixTokens > 0)
        info.posEmbedHasPrefix = false;
    else
        throw bad(QString("pos_embed has %1 tokens but image size %2 with patch %3 gives %4 "
                          "patches and %5 prefix tokens")
                      .arg(pos[1])
                      .arg(info.imageSize)
                      .arg(info.patchSize)
                      .arg(info.numPatches)
                      .arg(info.numPrefixTokens));

    if (margs.contains("num_heads")) {
        info.heads = margs.value("num_heads").toInt();
    } else {
        const QString a = info.architecture.toLower();
        if (a.contains("tiny"))
            info.heads = 3;
        else if (a.contains("small"))
            info.heads = 6;
        else if (a.contains("base"))
            info.heads = 12;
        else if (a.contains("large") || a.contains("huge"))
            info.heads = 16;
        else
            throw Error(
                QString("%1: cannot tell the number of attention heads from architecture '%2'; "
                        "add \"model_args\": {\"num_heads\": H}")
                    .arg(cfgPath, info.architecture));
    }
    if (info.heads <= 0 || info.width % info.heads != 0)
        throw Error(QString("%1: %2 heads do not divide the width %3")
                        .arg(cfgPath)
                        .arg(info.heads)
                        .arg(info.width));

    if (pcfg.contains("mean")) info.mean = floatList(pcfg.value("mean"));
    if (pcfg.contains("std")) info.std = floatList(pcfg.value("std"));
    if (static_cast<int>(info.mean.size()) != info.channels ||
        static_cast<int>(info.std.size()) != info.channels)
        throw Error(QString("%1: mean and std must have %2 values, one per channel")
                        .arg(cfgPath)
                        .arg(info.channels));
    for (float s : info.std)
        if (!(s > 0)) throw Error(QString("%1: std values must be positive").arg(cfgPath));
    info.interpolation = pcfg.value("interpolation").toString("bicubic");
    info.cropPct = pcfg.value("crop_pct").toDouble(0.875);
    if (!(info.cropPct > 0 && info.cropPct <= 1.0))
        throw Error(QString("%1: crop_pct %2 is outside (0, 1]").arg(cfgPath).arg(info.cropPct));
    info.cropMode = pcfg.value("crop_mode").toString("center");
    for (const QJsonValue& v : cfg.value("label_names").toArray()) info.labelNames << v.toString();
    const int cfgClasses = cfg.value("num_classes").toInt(info.numClasses);
    if (cfgClasses != info.numClasses)
        throw Error(QString("%1: num_classes is %2 but head.weight has %3 rows")
                        .arg(cfgPath)
                        .arg(cfgClasses)
                        .arg(info.numClasses));

    // Build a model of that shape, then fill it, checking every tensor's shape and that nothing is
    // left over or missing.
    info.qkvBias = st.find("blocks.0.attn.qkv.bias") != nullptr;
    auto model = std::make_shared<VitModel>(info);
    QSet<QString> used;
    torch::NoGradGuard ng;
    for (const auto& kv : model->named_parameters()) {
        const QString name = QString::fromStdString(kv.key());
        const TensorEntry* e = st.find(name);
        if (!e) throw bad(QString("missing tensor '%1'").arg(name));
        const std::vector<int64_t> want = kv.value().sizes().vec();
        if (e->shape != want)
            throw bad(
                QString("tensor '%1' has shape %2, expected %3 from the model's other tensors")
                    .arg(name, fmt(e->shape), fmt(want)));
        const std::vector<float> vals = st.toFloat(*e);
        kv.value().copy_(torch::from_blob(const_cast<float*>(vals.data()), want, torch::kFloat32));
        used.insert(name);
    }
    for (const TensorEntry& e : st.tensors())
        if (!used.contains(e.name)) throw bad(QString("unexpected tensor '%1'").arg(e.name));
    model->m_info.sha256 = sha256Of(stPath);
    model->eval();
    return model;
}

}  // namespace evolq

namespace evolq {

void VitModel::save(const QString& folder, const QString& architecture) const {
    if (!QDir().mkpath(folder)) throw Error(QString("%1: cannot create folder").arg(folder));
    const ModelInfo& i = m_info;
    auto arr = [](const std::vector<float>& v) {
        QJsonArray a;
        for (float x : v) a.append(static_cast<double>(x));
        return a;
    };
    QJsonObject pcfg{{"input_size", QJsonArray{i.channels, i.imageSize, i.imageSize}},
                     {"interpolation", i.interpolation},
                     {"crop_pct", i.cropPct},
                     {"crop_mode", i.cropMode},
                     {"mean", arr(i.mean)},
                     {"std", arr(i.std)},
                     {"num_classes", i.numClasses},
                     {"first_conv", "patch_embed.proj"},
                     {"classifier", "head"}};
    QJsonObject margs{{"img_size", i.imageSize},
                      {"patch_size", i.patchSize},
                      {"in_chans", i.channels},
                      {"embed_dim", i.width},
                      {"depth", i.depth},
                      {"num_heads", i.heads},
                      {"mlp_ratio", static_cast<double>(i.mlpHidden) / i.width}};
    QJsonObject cfg{{"architecture", architecture}, {"num_classes", i.numClasses},
                    {"num_features", i.width},      {"global_pool", i.globalPool},
                    {"model_args", margs},          {"pretrained_cfg", pcfg}};
    if (!i.labelNames.isEmpty())
        cfg.insert("label_names", QJsonArray::fromStringList(i.labelNames));
    writeFileAtomically(QDir(folder).filePath("config.json"), QJsonDocument(cfg).toJson());
    std::vector<NamedFloatTensor> tensors;
    for (const auto& kv : named_parameters()) {
        torch::Tensor t = kv.value().detach().contiguous().to(torch::kFloat32);
        NamedFloatTensor nt;
        nt.name = QString::fromStdString(kv.key());
        nt.shape = t.sizes().vec();
        nt.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
        tensors.push_back(std::move(nt));
    }
    writeSafeTensors(QDir(folder).filePath("model.safetensors"), tensors, {{"format", "pt"}});
}

}  // namespace evolq
