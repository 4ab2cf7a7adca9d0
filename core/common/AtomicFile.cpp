#include "common/AtomicFile.h"

#include <QFileInfo>
#include <QSaveFile>

#include "common/Error.h"

namespace evolq {

AtomicFile::AtomicFile(const QString& path)
    : m_path(path), m_file(std::make_unique<QSaveFile>(path)) {
    if (path.isEmpty()) throw Error("no output file named");
    const QFileInfo info(path);
    if (info.isDir()) fail("is a folder, not a file");
    if (info.exists() && !info.isFile()) m_file->setDirectWriteFallback(true);
    if (!QFileInfo(info.absolutePath()).isDir())
        fail(QString("the folder %1 does not exist").arg(info.absolutePath()));
    if (!m_file->open(QIODevice::WriteOnly)) fail(m_file->errorString());
    m_stream.setDevice(m_file.get());
}

AtomicFile::~AtomicFile() {
    if (!m_committed && m_file->isOpen()) m_file->cancelWriting();
}

void AtomicFile::fail(const QString& why) const {
    throw Error(QString("%1: cannot write: %2").arg(m_path, why));
}

void AtomicFile::write(const QByteArray& bytes) {
    m_stream.flush();
    if (m_file->write(bytes) != bytes.size()) fail(m_file->errorString());
}

void AtomicFile::commit() {
    m_stream.flush();
    if (m_stream.status() != QTextStream::Ok) fail("the text could not be written");
    if (m_file->error() != QFileDevice::NoError) fail(m_file->errorString());
    if (!m_file->commit()) fail(m_file->errorString());
    m_committed = true;
}

void writeFileAtomically(const QString& path, const QByteArray& bytes) {
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

}  // namespace evolq
