#pragma once

#include <QString>
#include <QStringList>

namespace evolq {

// The CSV conventions of every file this program writes: comma-separated, a header line, fields
// with commas, quotes or line breaks quoted; numbers with the digits that read back exactly (17
// for a double, 9 for a float); NaN and infinities as an empty field, which spreadsheets and pandas
// read as missing. Provenance goes in leading "# " comment lines.
QString csvField(const QString& text);
QString csvNumber(double value);
QString csvNumber(float value);              // 9 significant digits: a float reads back exactly
QString csvLine(const QStringList& fields);  // with the trailing newline
// The fields of one line as csvLine() writes them (quoted fields unquoted; no line breaks).
QStringList csvSplit(const QString& line);

}  // namespace evolq
