#pragma once

#include <QDir>
#include <QString>

#include "TestImages.h"
#include "TestSupport.h"

namespace evolq::test {

// What the workbench tests open: a two-block model, and calibration and validation folders of
// two classes, written under `root`.
struct WorkbenchFixture {
    QString model, calib, val;

    explicit WorkbenchFixture(const QString& root = QString()) {
        if (!root.isEmpty()) write(root);
    }
    void write(const QString& root) {
        const QDir dir(root);
        model = dir.filePath("model");
        makeModel(smallInfo(2, 48, 4, 2), model);
        calib = dir.filePath("calib");
        val = dir.filePath("val");
        writeImageFolder(calib, 2, 12, 32, 1);
        writeImageFolder(val, 2, 10, 28, 2);
    }
};

}  // namespace evolq::test
