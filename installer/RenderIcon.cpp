// Renders the SVG application icon as PNG files for the hicolor theme's fixed sizes, at build
// time: `evolq-render-icon ICON.svg OUTDIR SIZE...` writes OUTDIR/SIZExSIZE/apps/<name>.png.
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <cstdio>

int main(int argc, char** argv) {
    // No display at build time: the offscreen platform is enough to paint into an image.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    if (args.size() < 3) {
        std::fputs("usage: evolq-render-icon ICON.svg OUTDIR SIZE...\n", stderr);
        return 2;
    }
    QSvgRenderer svg(args[0]);
    if (!svg.isValid()) {
        std::fprintf(stderr, "%s: not a valid SVG image\n", qPrintable(args[0]));
        return 1;
    }
    const QString name = QFileInfo(args[0]).completeBaseName();
    for (const QString& s : args.mid(2)) {
        bool ok = false;
        const int size = s.toInt(&ok);
        if (!ok || size < 8 || size > 1024) {
            std::fprintf(stderr, "%s: not an icon size (8..1024)\n", qPrintable(s));
            return 2;
        }
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        svg.render(&painter, QRectF(0, 0, size, size));
        painter.end();
        const QString dir = QString("%1/%2x%2/apps").arg(args[1]).arg(size);
        const QString file = dir + "/" + name + ".png";
        if (!QDir().mkpath(dir) || !image.save(file, "PNG")) {
            std::fprintf(stderr, "%s: cannot write the icon\n", qPrintable(file));
            return 1;
        }
    }
    return 0;
}
