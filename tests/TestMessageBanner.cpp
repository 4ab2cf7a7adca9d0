#include <QToolButton>
#include <QVBoxLayout>
#include <QtTest>

#include "MessageBanner.h"

using namespace evolq;

class TestMessageBanner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startsHidden() {
        QWidget window;
        MessageBanner banner(&window);
        QVERIFY(!banner.isShowing());
        QVERIFY(!banner.isShowingError());
        QVERIFY(banner.text().isEmpty());
    }

    void showsAndHidesErrors() {
        QWidget window;
        auto* banner = new MessageBanner(&window);
        banner->showError("Cannot read /tmp/x.safetensors: truncated header");
        QVERIFY(banner->isShowing());
        QVERIFY(banner->isShowingError());
        QCOMPARE(banner->type(), MessageBanner::Type::Error);
        QCOMPARE(banner->text(), QString("Cannot read /tmp/x.safetensors: truncated header"));
        banner->hideMessage();
        QVERIFY(!banner->isShowing());
        QVERIFY(!banner->isShowingError());
    }

    void infoIsNotAnError() {
        QWidget window;
        MessageBanner banner(&window);
        banner.showError("bad");
        banner.showInfo("Saved /tmp/plot.png.");
        QVERIFY(banner.isShowing());
        QVERIFY(!banner.isShowingError());
        QCOMPARE(banner.type(), MessageBanner::Type::Info);
        banner.showWarning("careful");
        QCOMPARE(banner.type(), MessageBanner::Type::Warning);
        QVERIFY(!banner.isShowingError());
    }

    void closeButtonHidesAndSignals() {
        QWidget window;
        MessageBanner banner(&window);
        QSignalSpy closed(&banner, &MessageBanner::closed);
        banner.showError("bad");
        auto* close = banner.findChild<QToolButton*>("MessageBannerClose");
        QVERIFY(close);
        close->click();
        QVERIFY(!banner.isShowing());
        QCOMPARE(closed.count(), 1);
    }

    void actionButtonSignalsAndGoesWithTheMessage() {
        QWidget window;
        MessageBanner banner(&window);
        QSignalSpy triggered(&banner, &MessageBanner::actionTriggered);
        banner.showWarning("no data");
        banner.setAction("Prepare");
        auto* action = banner.findChild<QToolButton*>("MessageBannerAction");
        QVERIFY(action);
        QVERIFY(!action->isHidden());
        QCOMPARE(action->text(), QString("Prepare"));
        action->click();
        QCOMPARE(triggered.count(), 1);
        banner.showError("another problem");  // a new message has no button of its own
        QVERIFY(action->isHidden());
        banner.setAction("Retry");
        banner.hideMessage();
        QVERIFY(action->isHidden());
    }

    void infoHidesItselfErrorsStay() {
        QWidget window;
        MessageBanner banner(&window);
        banner.showInfo("done", 50);
        QVERIFY(banner.isShowing());
        QTRY_VERIFY(!banner.isShowing());

        // An error replacing a self-hiding notice must stay.
        banner.showInfo("done", 50);
        banner.showError("failed");
        QTest::qWait(150);
        QVERIFY(banner.isShowingError());
    }

    void visibleInAShownWindow() {
        QWidget window;
        auto* layout = new QVBoxLayout(&window);
        auto* banner = new MessageBanner(&window);
        layout->addWidget(banner);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(!banner->isVisible());
        banner->showError("bad");
        QVERIFY(banner->isVisible());
    }
};

QTEST_MAIN(TestMessageBanner)
#include "TestMessageBanner.moc"
