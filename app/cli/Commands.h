#pragma once

#include <QString>
#include <QStringList>
#include <functional>

namespace evolq::cli {

struct Command {
    QString name;
    QString summary;
    std::function<int(const QStringList&)> run;
};

// Every subcommand of `evolq`, in the order `evolq --help` lists them.
QList<Command> commands();

// Output helpers: results go to stdout, progress and errors to stderr.
void out(const QString& line);
void progress(const QString& line);

}  // namespace evolq::cli
