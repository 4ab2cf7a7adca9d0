#include "common/AtomicFile.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include "common/Error.h"

namespace evolq {

AtomicFile::AtomicFile(const QString& path)
    : m_path(path), m_file(std::make_unique<QSaveFile>(path)) {
    if (path.isEmpty()) throw Error("no output file named");
    const QFileInfo info(path);
    if (info.isDir()) fail("is a folder, not a file");
    if (!QFileInfo(info.absolutePath()).isDir())
        fail(QString("the folder %1 does not exist").arg(info.absolutePath()));
    if (info.exists() && !info.isFile()) {
        // QSaveFile would rename a regular file over a device or pipe whenever its folder is
        // writable (/dev is, for root): write it in place instead.
        m_direct = std::make_unique<QFile>(path);
        if (!m_direct->open(QIODevice::WriteOnly)) fail(m_direct->errorString());
        m_stream.setDevice(m_direct.get());
        return;
    }
    if (!m_file->open(QIODevice::WriteOnly)) fail(m_file->errorString());
    m_stream.setDevice(m_file.get());
}

AtomicFile::~AtomicFile() {
    if (!m_direct && !m_committed && m_file->isOpen()) m_file->cancelWriting();
}

void AtomicFile::fail(const QString& why) const {
    throw Error(QString("%1: cannot write: %2").arg(m_path, why));
}

void AtomicFile::write(const QByteArray& bytes) {
    m_stream.flush();
    QFileDevice* d = m_direct ? static_cast<QFileDevice*>(m_direct.get()) : m_file.get();
    if (d->write(bytes) != bytes.size()) fail(d->errorString());
}

void AtomicFile::commit() {
    m_stream.flush();
    if (m_stream.status() != QTextStream::Ok) fail("the text could not be written");
    if (m_direct) {
        if (!m_direct->flush() || m_direct->error() != QFileDevice::NoError)
            fail(m_direct->errorString());
        m_direct->close();
        m_committed = true;
        return;
    }
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
