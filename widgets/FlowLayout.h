#pragma once

#include <QLayout>
#include <QList>

namespace evolq {

// Lays its items out left to right and starts a new row when the next one does not fit, so that a
// row of controls stays usable in a narrow dock instead of forcing the dock's width. Its height
// for a width is heightForWidth(); a widget that owns one can follow it (see
// LandscapeControls::resizeEvent), since dock areas do not ask for it.
class FlowLayout : public QLayout {
public:
    explicit FlowLayout(QWidget* parent = nullptr, int hSpacing = 12, int vSpacing = 4);
    ~FlowLayout() override;

    void addItem(QLayoutItem* item) override;
    int count() const override;
    QLayoutItem* itemAt(int index) const override;
    QLayoutItem* takeAt(int index) override;
    Qt::Orientations expandingDirections() const override;
    bool hasHeightForWidth() const override;
    int heightForWidth(int width) const override;
    QSize minimumSize() const override;
    QSize sizeHint() const override;
    void setGeometry(const QRect& rect) override;

private:
    // Places the items in `rect` (when `apply`) and returns the height they need.
    int arrange(const QRect& rect, bool apply) const;

    QList<QLayoutItem*> m_items;
    int m_hSpacing, m_vSpacing;
};

}  // namespace evolq
