#include "data/ImageFolder.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <algorithm>
#include <numeric>
#include <random>

#include "common/Error.h"

namespace evolq {

bool ImageFolder::isImageFile(const QString& name) {
    static const QStringList exts{"png", "jpg", "jpeg", "bmp"};
    return exts.contains(QFileInfo(name).suffix().toLower());
}

namespace {
QStringList imageFilesIn(const QDir& dir) {
    QStringList files;
    for (const QString& f : dir.entryList(QDir::Files | QDir::Readable, QDir::Name))
        if (ImageFolder::isImageFile(f)) files << f;
    return files;
}
}  // namespace

ImageFolder ImageFolder::scan(const QString& folder) {
    QDir dir(folder);
    if (!QFileInfo::exists(folder)) throw Error(QString("%1: image folder not found").arg(folder));
    if (!QFileInfo(folder).isDir())
        throw Error(QString("%1: not a folder (an image folder holds images or class folders)")
                        .arg(folder));
    ImageFolder out;
    out.m_root = dir.absolutePath();
    QStringList subdirs = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    std::sort(subdirs.begin(), subdirs.end());  // byte order, as Python's sorted()
    QStringList classDirs;
    for (const QString& s : subdirs)
        if (!imageFilesIn(QDir(dir.filePath(s))).isEmpty()) classDirs << s;
    if (!classDirs.isEmpty()) {
        // Class indices follow sorted order of every sub-folder holding images.
        out.m_classes = classDirs;
        for (int c = 0; c < classDirs.size(); ++c) {
            QStringList files = imageFilesIn(QDir(dir.filePath(classDirs[c])));
            std::sort(files.begin(), files.end());
            for (const QString& f : files)
                out.m_items.push_back(
                    {dir.filePath(classDirs[c] + "/" + f), classDirs[c] + "/" + f, c});
        }
    } else {
        QStringList files = imageFilesIn(dir);
        std::sort(files.begin(), files.end());
        for (const QString& f : files) out.m_items.push_back({dir.filePath(f), f, -1});
    }
    if (out.m_items.empty())
        throw Error(
            QString("%1: no image files (PNG, JPEG, BMP) in the folder or its class sub-folders")
                .arg(folder));
    return out;
}

std::vector<int> seededSubsetIndices(int n, int k, unsigned seed) {
    std::vector<int> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    if (k <= 0 || k >= n) return idx;
    std::mt19937 rng(seed);
    for (int i = n - 1; i > 0; --i) {
        const int j = static_cast<int>(rng() % static_cast<unsigned>(i + 1));
        std::swap(idx[i], idx[j]);
    }
    idx.resize(k);
    std::sort(idx.begin(), idx.end());
    return idx;
}

ImageFolder ImageFolder::subset(int n, unsigned seed) const {
    if (n <= 0 || n >= size()) return *this;
    ImageFolder out = *this;
    out.m_items.clear();
    for (int i : seededSubsetIndices(size(), n, seed)) out.m_items.push_back(m_items[i]);
    return out;
}

DataSummary summarizeFolder(const ImageFolder& f) {
    DataSummary s;
    s.folder = f.root();
    s.images = f.size();
    s.classes = f.classes();
    constexpr int kThumbnails = 8;
    QVector<bool> classSeen(std::max(1, static_cast<int>(f.classes().size())), false);
    for (const ImageItem& it : f.items()) {
        if (s.thumbnails.size() >= kThumbnails) break;
        const int c = std::max(0, it.label);
        if (it.label >= 0 && classSeen[c]) continue;
        classSeen[c] = true;
        s.thumbnails << it.path;
    }
    for (size_t i = 0; i < f.items().size() && s.thumbnails.size() < kThumbnails; ++i)
        if (!s.thumbnails.contains(f.items()[i].path)) s.thumbnails << f.items()[i].path;
    return s;
}

}  // namespace evolq
