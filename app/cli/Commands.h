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

// Every subcommand of `evolq`, in the order `evolq --help` lists them. Each lives in a file of its
// own (InfoCommand.cpp, ...); the pipeline commands drive one evolq::Session.
QList<Command> commands();

int cmdInfo(const QStringList& args);
int cmdPredict(const QStringList& args);
int cmdEval(const QStringList& args);
int cmdQuantize(const QStringList& args);
int cmdSearch(const QStringList& args);
int cmdLandscape(const QStringList& args);
int cmdSensitivity(const QStringList& args);
int cmdBench(const QStringList& args);
int cmdPrepare(const QStringList& args);
int cmdTrain(const QStringList& args);

}  // namespace evolq::cli
