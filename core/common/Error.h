#pragma once

#include <QString>
#include <stdexcept>

namespace evolq {

// Every recoverable failure in core is an Error with a message that names the file and what is
// wrong with it. The CLI prints it and exits non-zero; the GUI shows it in its banner.
class Error : public std::runtime_error {
public:
    explicit Error(const QString& message) : std::runtime_error(message.toStdString()) {}
    QString message() const { return QString::fromStdString(what()); }
};

}  // namespace evolq
