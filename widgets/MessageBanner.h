#pragma once

#include <QFrame>

class QLabel;
class QTimer;
class QToolButton;

namespace evolq {

// An inline banner for recoverable errors and notices, so that only what stops the user needs a
// modal box (after KeePassXC's MessageWidget).
class MessageBanner : public QFrame {
    Q_OBJECT
public:
    enum class Type { Error, Warning, Info };
    static constexpr int InfoAutoHideMs = 6000;
    static constexpr int NoAutoHide = -1;

    explicit MessageBanner(QWidget* parent = nullptr);

    QString text() const;
    Type type() const;
    bool isShowing() const;
    bool isShowingError() const;

public Q_SLOTS:
    // autoHideMs <= 0 keeps the banner until it is closed or replaced.
    void showMessage(const QString& text, evolq::MessageBanner::Type type,
                     int autoHideMs = NoAutoHide);
    void showError(const QString& text);
    void showWarning(const QString& text);
    // Notices go away by themselves; they ask nothing of the user.
    void showInfo(const QString& text, int autoHideMs = InfoAutoHideMs);
    void hideMessage();
    // A button after the text of the message shown (e.g. "Prepare Fashion-MNIST"), which emits
    // actionTriggered; the next message or hiding removes it.
    void setAction(const QString& text);

Q_SIGNALS:
    // The user pressed the button of setAction.
    void actionTriggered();
    // The user closed the banner with its close button.
    void closed();

private:
    QLabel* m_icon;
    QLabel* m_text;
    QToolButton* m_action;
    QToolButton* m_close;
    QTimer* m_autoHide;
    Type m_type = Type::Info;
};

}  // namespace evolq
