#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include "TestErrors.h"
#include "common/AtomicFile.h"
#include "common/Error.h"

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace evolq;

namespace {

QByteArray contentsOf(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return QByteArray("<unreadable>");
    return f.readAll();
}

void writePlain(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

// Every entry of a folder, hidden ones (QSaveFile's temporaries) included.
QStringList entriesOf(const QString& dir) {
    return QDir(dir).entryList(
        QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

using evolq::test::errorOf;

#ifdef Q_OS_UNIX
bool isCharDevice(const QString& path) {
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 && S_ISCHR(st.st_mode);
}
bool isFifo(const QString& path) {
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 && S_ISFIFO(st.st_mode);
}

// Whether AtomicFile writes through a non-regular file (here a FIFO in a temporary folder) instead
// of renaming a regular file over it. Asked before touching /dev: as root, /dev is writable, and a
// writer that renames over its target would replace the device node of /dev/full or /dev/null for
// every process on the machine.
bool keepsNonRegularFiles(QString* why) {
    QTemporaryDir dir;
    const QString fifo = dir.filePath("fifo");
    if (::mkfifo(QFile::encodeName(fifo).constData(), 0600) != 0) {
        *why = "mkfifo failed";
        return false;
    }
    // A reader first, so that opening the FIFO for writing does not block.
    const int reader = ::open(QFile::encodeName(fifo).constData(), O_RDONLY | O_NONBLOCK);
    try {
        AtomicFile f(fifo);
        f.write("through");
        f.commit();
    } catch (const Error& e) {
        *why = e.message();
    }
    if (reader >= 0) ::close(reader);
    if (!isFifo(fifo)) {
        *why = QString("%1 was a FIFO and is now %2")
                   .arg(fifo, QFileInfo(fifo).isFile() ? "a regular file" : "gone");
        return false;
    }
    return true;
}
#endif

}  // namespace

class TestAtomicFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void writesAndReplaces() {
        QTemporaryDir dir;
        const QString path = dir.filePath("out.txt");
        writeFileAtomically(path, "first version\n");
        QCOMPARE(contentsOf(path), QByteArray("first version\n"));
        {
            AtomicFile f(path);
            QCOMPARE(f.path(), path);
            f.stream() << "second " << 2 << '\n';
            f.write("raw bytes\n");
            f.stream() << "more text\n";
            // Nothing visible before commit: the previous file is still there.
            QCOMPARE(contentsOf(path), QByteArray("first version\n"));
            f.commit();
        }
        QCOMPARE(contentsOf(path), QByteArray("second 2\nraw bytes\nmore text\n"));
        QCOMPARE(entriesOf(dir.path()), QStringList{"out.txt"});  // no temporary left
    }

    void missingFolderThrowsNamingThePath() {
        QTemporaryDir dir;
        const QString path = dir.filePath("no/such/folder/out.json");
        const QString msg = errorOf([&] { writeFileAtomically(path, "x"); });
        QVERIFY2(msg.contains(path), qPrintable(msg));
        QVERIFY(!QFileInfo::exists(dir.filePath("no")));
        QVERIFY(entriesOf(dir.path()).isEmpty());
    }

    void folderAsTargetThrowsAndStaysAFolder() {
        QTemporaryDir dir;
        const QString path = dir.filePath("a-folder");
        QVERIFY(QDir().mkpath(path));
        writePlain(path + "/inside.txt", "kept");
        const QString msg = errorOf([&] { writeFileAtomically(path, "x"); });
        QVERIFY2(msg.contains(path), qPrintable(msg));
        QVERIFY(QFileInfo(path).isDir());
        QCOMPARE(contentsOf(path + "/inside.txt"), QByteArray("kept"));
        QCOMPARE(entriesOf(dir.path()), QStringList{"a-folder"});
        QVERIFY(!errorOf([] { AtomicFile f{QString()}; }).isEmpty());
    }

    void failedCommitThrowsAndLeavesNoTemporary() {
        QTemporaryDir dir;
        const QString path = dir.filePath("target.txt");
        const QString other = dir.filePath("other.txt");
        writePlain(other, "untouched");
        {
            AtomicFile f(path);
            f.write("new contents");
            // Between opening and committing the target becomes a folder, which no file can be
            // renamed over: the commit fails as a whole.
            QVERIFY(QDir().mkpath(path + "/blocker"));
            const QString msg = errorOf([&] { f.commit(); });
            QVERIFY2(msg.contains(path), qPrintable(msg.isEmpty() ? "nothing thrown" : msg));
        }
        QVERIFY(QFileInfo(path).isDir());
        QVERIFY(QFileInfo(path + "/blocker").isDir());
        QCOMPARE(contentsOf(other), QByteArray("untouched"));
        QCOMPARE(entriesOf(dir.path()), (QStringList{"other.txt", "target.txt"}));
    }

    void destroyedWithoutCommitLeavesNothing() {
        QTemporaryDir dir;
        {
            AtomicFile f(dir.filePath("never.txt"));
            f.stream() << "text that must not appear";
            f.write("bytes that must not appear");
        }
        QVERIFY(entriesOf(dir.path()).isEmpty());
        // Over an existing file: the previous contents stay, no temporary remains.
        const QString path = dir.filePath("old.txt");
        writePlain(path, "old contents");
        {
            AtomicFile f(path);
            f.write("new contents");
        }
        QCOMPARE(contentsOf(path), QByteArray("old contents"));
        QCOMPARE(entriesOf(dir.path()), QStringList{"old.txt"});
    }

#ifdef Q_OS_UNIX
    void fifoIsWrittenThroughNotReplaced() {
        QString why;
        QVERIFY2(keepsNonRegularFiles(&why), qPrintable(why));
    }
#endif

    void devFullThrowsAndStaysADevice() {
#ifndef Q_OS_UNIX
        QSKIP("no /dev/full here");
#else
        if (!QFileInfo::exists("/dev/full") || !isCharDevice("/dev/full"))
            QSKIP("/dev/full does not exist here");
        QString why;
        if (!keepsNonRegularFiles(&why))
            QFAIL(
                qPrintable("not writing to /dev/full: AtomicFile would replace the device node (" +
                           why + ")"));
        const QString msg = errorOf([] {
            AtomicFile f("/dev/full");
            f.write(QByteArray(64 * 1024, 'x'));
            f.commit();
        });
        QVERIFY2(msg.contains("/dev/full"), qPrintable(msg.isEmpty() ? "nothing thrown" : msg));
        QVERIFY(isCharDevice("/dev/full"));
        QVERIFY(!QFileInfo("/dev/full").isFile());
#endif
    }

    void devNullSucceedsAndStaysADevice() {
#ifndef Q_OS_UNIX
        QSKIP("no /dev/null here");
#else
        if (!isCharDevice("/dev/null")) QSKIP("/dev/null is not a device here");
        QString why;
        if (!keepsNonRegularFiles(&why))
            QFAIL(
                qPrintable("not writing to /dev/null: AtomicFile would replace the device node (" +
                           why + ")"));
        writeFileAtomically("/dev/null", "discarded");
        QVERIFY(isCharDevice("/dev/null"));
        QCOMPARE(QFileInfo("/dev/null").size(), 0);
#endif
    }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "TestAtomicFile.moc"
