#pragma once

#include <QString>
#include <QStringList>
#include <vector>

#include "types/Summaries.h"

namespace evolq {

// A folder of images: ImageFolder style (one sub-folder per class, classes in sorted name order, as
// torchvision does) or flat (unlabelled). Scanning lists files; decoding happens in ImageLoader.
struct ImageItem {
    QString path;
    QString relative;  // relative to the folder, '/'-separated
    int label = -1;    // -1 when unlabelled
};

// k of n indices drawn with a seeded Fisher-Yates shuffle (our own draws, the same on every
// platform), in increasing order; all n when k <= 0 or k >= n.
std::vector<int> seededSubsetIndices(int n, int k, unsigned seed);

class ImageFolder {
public:
    // Throws evolq::Error when the folder does not exist or holds no image files.
    static ImageFolder scan(const QString& folder);

    const QString& root() const { return m_root; }
    bool labelled() const { return !m_classes.isEmpty(); }
    const QStringList& classes() const { return m_classes; }
    const std::vector<ImageItem>& items() const { return m_items; }
    int size() const { return static_cast<int>(m_items.size()); }

    // A seeded subset of n items (all when n <= 0 or n >= size), kept in folder order.
    ImageFolder subset(int n, unsigned seed) const;

    static bool isImageFile(const QString& name);

private:
    QString m_root;
    QStringList m_classes;
    std::vector<ImageItem> m_items;
};

// What the Data panel shows of a scanned folder: counts, classes and a few thumbnails (one per
// class first). Nothing is decoded.
DataSummary summarizeFolder(const ImageFolder& f);

}  // namespace evolq
