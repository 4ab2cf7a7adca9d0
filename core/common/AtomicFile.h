#pragma once

#include <QByteArray>
#include <QString>
#include <QTextStream>
#include <memory>

class QSaveFile;
class QFile;

namespace evolq {

// The one way this program writes an output file: everything goes to a temporary file beside the
// target, which replaces the target only when every byte was written. A failed or cancelled write
// leaves the previous file untouched and no partial file behind. Errors throw evolq::Error with a
// message that names the file.
//
// A target that exists and is not a regular file (a device such as /dev/null or /dev/full, a
// pipe) is written in place: renaming over it would replace the device node.
class AtomicFile {
public:
    explicit AtomicFile(const QString& path);
    ~AtomicFile();  // discards the temporary file unless commit() succeeded
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    const QString& path() const { return m_path; }
    // Text written as the work goes (logs, CSV); flushed and checked by commit().
    QTextStream& stream() { return m_stream; }
    void write(const QByteArray& bytes);
    // Makes the file visible under its name; throws evolq::Error naming the file.
    void commit();

private:
    [[noreturn]] void fail(const QString& why) const;

    QString m_path;
    std::unique_ptr<QSaveFile> m_file;
    std::unique_ptr<QFile> m_direct;  // a device or pipe, written in place
    QTextStream m_stream;
    bool m_committed = false;
};

// Writes `bytes` to `path` atomically; throws evolq::Error naming the file.
void writeFileAtomically(const QString& path, const QByteArray& bytes);

}  // namespace evolq
