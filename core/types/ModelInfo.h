#pragma once

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <vector>

namespace evolq {

// Plain description of a loaded ViT; what the GUI and `evolq info` show. No torch here.
struct ModelInfo {
    QString folder;
    QString architecture;
    QString sha256;  // of model.safetensors: the model's identity in every output file
    int imageSize = 224;
    int patchSize = 16;
    int channels = 3;
    int width = 192;
    int depth = 12;
    int heads = 3;
    int numClasses = 1000;
    int numPatches = 196;
    int numPrefixTokens = 1;  // class token (+ distillation token)
    bool distilled = false;
    bool classToken = true;
    bool posEmbedHasPrefix = true;
    QString globalPool = "token";  // "token" or "avg"
    bool fcNorm = false;           // avg pool models normalize after pooling
    bool layerScale = false;
    bool qkvBias = true;
    int mlpHidden = 768;
    long long parameters = 0;
    // Preprocessing, from pretrained_cfg.
    std::vector<float> mean{0.485f, 0.456f, 0.406f};
    std::vector<float> std{0.229f, 0.224f, 0.225f};
    QString interpolation = "bicubic";
    double cropPct = 0.875;
    QString cropMode = "center";
    QStringList labelNames;  // optional, from config.json `label_names`

    QString className(int c) const {
        return c >= 0 && c < labelNames.size() ? labelNames[c] : QString::number(c);
    }
    QJsonObject toJson() const;
    // (field, value) rows for a summary panel.
    QList<QPair<QString, QString>> summaryRows() const;
};

}  // namespace evolq
