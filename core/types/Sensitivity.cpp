#include "types/Sensitivity.h"

#include <QJsonDocument>

#include "common/Csv.h"

namespace evolq {

QJsonObject SensitivitySettings::toJson() const {
    return QJsonObject{{"images", images},
                       {"loss", lossName(fitness.loss)},
                       {"temperature", fitness.temperature},
                       {"fitness_batch", fitness.batch}};
}

void writeSensitivityCsv(QTextStream& out, const SensitivityResult& r,
                         const QJsonObject& provenance) {
    if (!provenance.isEmpty())
        out << "# evolq sensitivity " << QJsonDocument(provenance).toJson(QJsonDocument::Compact)
            << '\n';
    out << "quantizer,kind,block,bits,loss_increase,sqnr_db\n";
    for (const SensitivityRow& row : r.rows)
        out << csvLine({csvField(row.name), row.weight ? "weight" : "activation",
                        QString::number(row.block), QString::number(row.bits),
                        csvNumber(row.lossIncrease), csvNumber(row.sqnrDb)});
}

}  // namespace evolq
