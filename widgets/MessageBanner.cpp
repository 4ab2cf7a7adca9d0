#include "MessageBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

namespace evolq {

namespace {

struct Look {
    const char* background;
    const char* border;
    const char* foreground;
    QStyle::StandardPixmap icon;
};

Look lookOf(MessageBanner::Type type) {
    switch (type) {
        case MessageBanner::Type::Error:
            return {"#f8d7da", "#d9534f", "#58151c", QStyle::SP_MessageBoxCritical};
        case MessageBanner::Type::Warning:
            return {"#fff3cd", "#e0a800", "#664d03", QStyle::SP_MessageBoxWarning};
        case MessageBanner::Type::Info:
            break;
    }
    return {"#d7e9f8", "#3d8bd9", "#0b3658", QStyle::SP_MessageBoxInformation};
}

}  // namespace

MessageBanner::MessageBanner(QWidget* parent)
    : QFrame(parent),
      m_icon(new QLabel(this)),
      m_text(new QLabel(this)),
      m_action(new QToolButton(this)),
      m_close(new QToolButton(this)),
      m_autoHide(new QTimer(this)) {
    setObjectName("MessageBanner");
    setFrameShape(QFrame::StyledPanel);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setObjectName("MessageBannerText");
    m_action->setObjectName("MessageBannerAction");
    m_action->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_action->setVisible(false);
    m_close->setObjectName("MessageBannerClose");
    m_close->setAutoRaise(true);
    m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_close->setToolTip(tr("Close message"));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_action, 0, Qt::AlignVCenter);
    layout->addWidget(m_close, 0, Qt::AlignTop);

    m_autoHide->setSingleShot(true);
    connect(m_autoHide, &QTimer::timeout, this, &MessageBanner::hideMessage);
    connect(m_action, &QToolButton::clicked, this, &MessageBanner::actionTriggered);
    connect(m_close, &QToolButton::clicked, this, [this] {
        hideMessage();
        Q_EMIT closed();
    });
    setVisible(false);
}

QString MessageBanner::text() const {
    return m_text->text();
}

MessageBanner::Type MessageBanner::type() const {
    return m_type;
}

// isHidden rather than isVisible: the banner counts as shown even while its window is not.
bool MessageBanner::isShowing() const {
    return !isHidden();
}

bool MessageBanner::isShowingError() const {
    return isShowing() && m_type == Type::Error;
}

void MessageBanner::showMessage(const QString& text, Type type, int autoHideMs) {
    m_type = type;
    const Look look = lookOf(type);
    setStyleSheet(QString("QFrame#MessageBanner { background: %1; border: 1px solid %2; "
                          "border-radius: 4px; } QLabel { color: %3; }")
                      .arg(look.background, look.border, look.foreground));
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_icon->setPixmap(style()->standardIcon(look.icon).pixmap(iconSize, iconSize));
    m_text->setText(text);
    m_action->setVisible(false);
    m_autoHide->stop();
    if (autoHideMs > 0) m_autoHide->start(autoHideMs);
    setVisible(true);
}

void MessageBanner::showError(const QString& text) {
    showMessage(text, Type::Error);
}

void MessageBanner::showWarning(const QString& text) {
    showMessage(text, Type::Warning);
}

void MessageBanner::showInfo(const QString& text, int autoHideMs) {
    showMessage(text, Type::Info, autoHideMs);
}

void MessageBanner::hideMessage() {
    m_autoHide->stop();
    m_action->setVisible(false);
    setVisible(false);
}

void MessageBanner::setAction(const QString& text) {
    m_action->setText(text);
    m_action->setVisible(!text.isEmpty());
}

}  // namespace evolq
