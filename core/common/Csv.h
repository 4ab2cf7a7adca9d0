#pragma once

#include <QString>
#include <QStringList>

namespace evolq {

// The CSV conventions of every file this program writes: comma-separated, a header line, fields
// with commas, quotes or line breaks quoted; numbers with 17 significant digits (they read back
// exactly); NaN and infinities as an empty field, which spreadsheets and pandas read as missing.
// Provenance goes in leading "# " comment lines.
QString csvField(const QString& text);
QString csvNumber(double value);
QString csvLine(const QStringList& fields);  // with the trailing newline

}  // namespace evolq
