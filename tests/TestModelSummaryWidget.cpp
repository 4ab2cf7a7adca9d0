#include <QtTest>

#include "ModelSummaryWidget.h"

using namespace evolq;

class TestModelSummaryWidget : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsRows() {
        ModelSummaryWidget w;
        w.setSummary({{"Architecture", "vit_tiny"}, {"Depth", "6 blocks"}});
        QCOMPARE(w.rowCount(), 2);
        QCOMPARE(w.value("Depth"), QString("6 blocks"));
        w.setSummary({{"Width", "96"}});
        QCOMPARE(w.rowCount(), 1);
        QCOMPARE(w.value("Depth"), QString());
    }
};

QTEST_MAIN(TestModelSummaryWidget)
#include "TestModelSummaryWidget.moc"
