#include "data/ImageLoader.h"

#include <ATen/Parallel.h>

#include <QFile>
#include <atomic>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/Error.h"

namespace evolq {

Preprocess Preprocess::fromModel(const ModelInfo& info) {
    Preprocess p;
    p.channels = info.channels;
    p.imageSize = info.imageSize;
    p.cropPct = info.cropPct;
    p.interpolation = info.interpolation;
    p.mean = info.mean;
    p.std = info.std;
    return p;
}

namespace {

int cvInterpolation(const QString& name) {
    if (name == "bilinear") return cv::INTER_LINEAR;
    if (name == "nearest") return cv::INTER_NEAREST;
    if (name == "area" || name == "box") return cv::INTER_AREA;
    if (name == "lanczos") return cv::INTER_LANCZOS4;
    return cv::INTER_CUBIC;
}

// Reads through QFile (so that non-ASCII paths work and a directory is not taken for a file) and
// decodes as stored. Returns an empty Mat with a reason on failure.
cv::Mat readAndDecode(const QString& path, QString* why) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (why) *why = f.errorString();
        return {};
    }
    const QByteArray bytes = f.readAll();
    // libjpeg decodes a cut-off JPEG with a warning and fills the missing rows with grey; such an
    // image would calibrate silently on made-up pixels. A whole JPEG ends with its end-of-image
    // marker (FF D9), which entropy-coded data cannot contain (FF is stuffed as FF 00).
    if (bytes.startsWith("\xff\xd8\xff") && !bytes.right(1024).contains("\xff\xd9")) {
        if (why) *why = "truncated JPEG (no end-of-image marker)";
        return {};
    }
    cv::Mat raw;
    try {
        raw = cv::imdecode(cv::Mat(1, bytes.size(), CV_8UC1, const_cast<char*>(bytes.constData())),
                           cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        if (why) *why = QString::fromStdString(e.what());
        return {};
    }
    if (raw.empty() && why) *why = "not a decodable PNG, JPEG or BMP image";
    return raw;
}

// Writes the preprocessed image into `out` (C*S*S floats). Returns false with a reason on failure.
bool decodeInto(const QString& path, const Preprocess& pre, float* out, QString* why) {
    cv::Mat raw = readAndDecode(path, why);
    if (raw.empty()) return false;
    if (raw.depth() == CV_16U)
        raw.convertTo(raw, CV_8U, 1.0 / 257.0);
    else if (raw.depth() != CV_8U)
        raw.convertTo(raw, CV_8U);
    cv::Mat img;
    const int c = raw.channels();
    if (pre.channels == 1) {
        if (c == 1)
            img = raw;
        else if (c == 3)
            cv::cvtColor(raw, img, cv::COLOR_BGR2GRAY);  // ITU-R 601 luma, as PIL's "L"
        else if (c == 4)
            cv::cvtColor(raw, img, cv::COLOR_BGRA2GRAY);
    } else if (pre.channels == 3) {
        if (c == 1)
            cv::cvtColor(raw, img, cv::COLOR_GRAY2RGB);
        else if (c == 3)
            cv::cvtColor(raw, img, cv::COLOR_BGR2RGB);
        else if (c == 4)
            cv::cvtColor(raw, img, cv::COLOR_BGRA2RGB);
    }
    if (img.empty()) {
        if (why)
            *why = QString("%1-channel image cannot be converted to %2 channels")
                       .arg(c)
                       .arg(pre.channels);
        return false;
    }
    const int S = pre.imageSize;
    const int scale = static_cast<int>(std::floor(S / pre.cropPct + 1e-9));
    const int w = img.cols, h = img.rows;
    if (std::min(w, h) != scale) {
        int ow, oh;
        if (w <= h) {
            ow = scale;
            oh = static_cast<int>(static_cast<double>(scale) * h / w);
        } else {
            oh = scale;
            ow = static_cast<int>(static_cast<double>(scale) * w / h);
        }
        cv::Mat resized;
        cv::resize(img, resized, cv::Size(ow, oh), 0, 0, cvInterpolation(pre.interpolation));
        img = resized;
    }
    if (img.cols < S || img.rows < S) {
        if (why) *why = QString("image is smaller than %1 after resizing").arg(S);
        return false;
    }
    const int top = static_cast<int>(std::nearbyint((img.rows - S) / 2.0));
    const int left = static_cast<int>(std::nearbyint((img.cols - S) / 2.0));
    const cv::Mat crop = img(cv::Rect(left, top, S, S));
    const int C = pre.channels;
    for (int y = 0; y < S; ++y) {
        const uint8_t* row = crop.ptr<uint8_t>(y);
        for (int x = 0; x < S; ++x)
            for (int ch = 0; ch < C; ++ch)
                out[(ch * S + y) * S + x] = (row[x * C + ch] / 255.0f - pre.mean[ch]) / pre.std[ch];
    }
    return true;
}

}  // namespace

bool probeImage(const QString& path, int* width, int* height, int* channels) {
    const cv::Mat raw = readAndDecode(path, nullptr);
    if (raw.empty()) return false;
    *width = raw.cols;
    *height = raw.rows;
    *channels = raw.channels() == 1 ? 1 : 3;
    return true;
}

torch::Tensor loadImage(const QString& path, const Preprocess& pre, QString* error) {
    torch::Tensor t = torch::empty({pre.channels, pre.imageSize, pre.imageSize});
    if (!decodeInto(path, pre, t.data_ptr<float>(), error)) return {};
    return t;
}

LoadedImages loadImages(const ImageFolder& folder, const Preprocess& pre, int begin, int end,
                        const std::function<bool()>& cancelled) {
    if (end < 0 || end > folder.size()) end = folder.size();
    begin = std::max(0, std::min(begin, end));
    const int n = end - begin;
    const int64_t per = static_cast<int64_t>(pre.channels) * pre.imageSize * pre.imageSize;
    torch::Tensor all = torch::empty({n, pre.channels, pre.imageSize, pre.imageSize});
    std::vector<char> ok(n, 0);
    std::vector<QString> why(n);
    std::atomic<bool> stop{false};
    float* base = all.data_ptr<float>();
    at::parallel_for(0, n, 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e && !stop.load(); ++i) {
            if (cancelled && (i % 64 == 0) && cancelled()) {
                stop = true;
                break;
            }
            ok[i] =
                decodeInto(folder.items()[begin + i].path, pre, base + i * per, &why[i]) ? 1 : 0;
        }
    });
    if (stop) throw Error("cancelled");
    LoadedImages out;
    std::vector<int64_t> keep, labels;
    for (int i = 0; i < n; ++i) {
        const ImageItem& item = folder.items()[begin + i];
        if (ok[i]) {
            keep.push_back(i);
            out.items.push_back(begin + i);
            labels.push_back(item.label);
        } else {
            out.failed << item.relative + ": " + why[i];
        }
    }
    if (keep.empty())
        throw Error(QString("%1: none of the %2 image files could be decoded (first: %3)")
                        .arg(folder.root())
                        .arg(n)
                        .arg(out.failed.value(0)));
    out.images =
        static_cast<int>(keep.size()) == n ? all : all.index_select(0, torch::tensor(keep));
    out.labels = torch::tensor(labels, torch::kInt64);
    return out;
}

}  // namespace evolq
